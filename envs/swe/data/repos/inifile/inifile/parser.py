"""Parse INI text into sections of key/value pairs, and write it back."""

COMMENT_PREFIXES = ("#", ";")
TRUE_WORDS = ("1", "yes", "true", "on")
FALSE_WORDS = ("0", "no", "false", "off")


class IniError(ValueError):
    """Bad INI text; `line` is the 1-based line number."""

    def __init__(self, message, line):
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_bool(text):
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_list(text, separator=","):
    if not text.strip():
        return []
    return [item.strip() for item in text.split(separator) if item.strip()]


def _strip_inline_comment(value):
    for index, char in enumerate(value):
        if char in COMMENT_PREFIXES and index > 0 and value[index - 1] == " ":
            return value[:index].rstrip()
    return value


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


class IniFile:
    """Sections in file order; keys are case-insensitive, values are strings."""

    def __init__(self, default_section="DEFAULT"):
        self.default_section = default_section
        self._sections = {}

    def sections(self):
        return [name for name in self._sections if name != self.default_section]

    def has_section(self, name):
        return name in self._sections

    def add_section(self, name):
        if not name:
            raise ValueError("a section needs a name")
        if name in self._sections:
            raise ValueError(f"duplicate section {name!r}")
        self._sections[name] = {}

    def set(self, section, key, value):
        if section not in self._sections:
            self.add_section(section)
        self._sections[section][key.lower()] = str(value)

    def get(self, section, key, fallback=None):
        key = key.lower()
        values = self._sections.get(section, {})
        if key in values:
            return values[key]
        defaults = self._sections.get(self.default_section, {})
        if key in defaults:
            return defaults[key]
        return fallback

    def getint(self, section, key, fallback=None):
        value = self.get(section, key)
        if value is None:
            return fallback
        return int(value, 0)

    def getfloat(self, section, key, fallback=None):
        value = self.get(section, key)
        if value is None:
            return fallback
        return float(value)

    def getbool(self, section, key, fallback=False):
        value = self.get(section, key)
        if value is None:
            return fallback
        return parse_bool(value)

    def getlist(self, section, key, separator=","):
        value = self.get(section, key)
        if value is None:
            return []
        return parse_list(value, separator)

    def items(self, section):
        merged = dict(self._sections.get(self.default_section, {}))
        merged.update(self._sections.get(section, {}))
        return sorted(merged.items())

    def remove_key(self, section, key):
        values = self._sections.get(section)
        if values is None or key.lower() not in values:
            return False
        del values[key.lower()]
        return True

    def remove_section(self, name):
        return self._sections.pop(name, None) is not None

    def to_text(self):
        lines = []
        for name, values in self._sections.items():
            if lines:
                lines.append("")
            lines.append(f"[{name}]")
            for key, value in values.items():
                if "\n" in value:
                    first, *rest = value.split("\n")
                    lines.append(f"{key} = {first}")
                    lines.extend(f"    {part}" for part in rest)
                else:
                    lines.append(f"{key} = {value}")
        return "\n".join(lines) + "\n" if lines else ""


def parse(text, default_section="DEFAULT", allow_duplicates=False):
    """Parse INI text; continuation lines are indented, comments start with # or ;."""
    ini = IniFile(default_section)
    section = None
    last_key = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in COMMENT_PREFIXES:
            continue
        if raw[0] in " \t" and last_key is not None:
            previous = ini._sections[section][last_key]
            ini._sections[section][last_key] = previous + "\n" + stripped
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                raise IniError("unclosed section header", number)
            section = stripped[1:-1].strip()
            if not section:
                raise IniError("empty section name", number)
            if ini.has_section(section):
                if not allow_duplicates:
                    raise IniError(f"duplicate section {section!r}", number)
            else:
                ini.add_section(section)
            last_key = None
            continue
        if section is None:
            raise IniError("key outside any section", number)
        separator = _find_separator(stripped)
        if separator < 0:
            raise IniError(f"expected key = value, got {stripped!r}", number)
        key = stripped[:separator].strip().lower()
        if not key:
            raise IniError("empty key", number)
        value = _unquote(_strip_inline_comment(stripped[separator + 1:].strip()))
        ini._sections[section][key] = value
        last_key = key
    return ini


def _find_separator(line):
    positions = [line.find(char) for char in "=:" if line.find(char) >= 0]
    if not positions:
        return -1
    return min(positions)
