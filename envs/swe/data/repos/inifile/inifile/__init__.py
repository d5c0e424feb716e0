"""A small INI reader and writer with typed getters."""

from inifile.parser import IniError, IniFile, parse, parse_bool, parse_list

__all__ = ["IniError", "IniFile", "parse", "parse_bool", "parse_list"]
