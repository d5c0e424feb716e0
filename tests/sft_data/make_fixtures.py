"""Writes the fixture files in tests/sft_data/fixtures (run once; the files are committed).

Each fixture mirrors the public shape of its dataset (dataset cards / sample rows) and adds
the known quirks plus a few broken records that must be rejected with a reason.
"""

import json
from pathlib import Path

F = Path(__file__).parent / "fixtures"
W = {"name": "get_weather", "description": "Current weather for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}


def jsonl(name, rows):
    (F / name).write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8")


def jarr(name, rows):
    (F / name).write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


jsonl("openai.jsonl", [
    {"id": "oa-plain", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
    {"id": "oa-parallel", "tools": [{"type": "function", "function": W}],
     "messages": [{"role": "user", "content": "Weather in Paris and Rome?"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                      {"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\", \"unit\": \"c\"}"}}]},
                  {"role": "tool", "content": "18C"}, {"role": "tool", "content": "24C"},
                  {"role": "assistant", "content": "Paris 18C, Rome 24C."}]},
    {"id": "oa-function-call-era", "functions": [W],
     "messages": [{"role": "user", "content": "Weather in Oslo?"},
                  {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}},
                  {"role": "function", "name": "get_weather", "content": "{\"temp\": 3}"},
                  {"role": "assistant", "content": "3 degrees in Oslo."}]},
    {"id": "oa-quirks", "tools": [W],
     "messages": [{"role": "user", "content": [{"type": "text", "text": "Two cities: "}, {"type": "text", "text": "Lima, Quito"}]},
                  {"role": "assistant", "content": "", "tool_calls": [
                      {"id": "a1", "type": "function", "function": {"name": "get_weather", "arguments": json.dumps(json.dumps({"city": "Lima"}))}},
                      {"id": "a2", "type": "function", "function": {"name": "get_weather", "arguments": "{'city': 'Quito', 'unit': None}"}}]},
                  {"role": "tool", "content": "[\"20C\", \"15C\"]"},
                  {"role": "assistant", "content": "<think>Both fetched.</think>Lima 20C, Quito 15C."}]},
    '{"id": "oa-broken", "messages": [',
    {"id": "oa-no-answer", "messages": [{"role": "user", "content": "Anyone?"}]},
    {"id": "oa-bad-args", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": "{'a': "}}]}]},
])

jsonl("sharegpt.jsonl", [
    {"conversations": [{"from": "human", "value": "What is 2+2?"}, {"from": "gpt", "value": "4"}]},
    {"system": "You are a weather bot.", "tools": json.dumps([W]),
     "conversations": [{"from": "human", "value": "Weather in Paris and Rome?"},
                       {"from": "function_call", "value": json.dumps([{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "arguments": {"city": "Rome"}}])},
                       {"from": "observation", "value": json.dumps([{"temp": 18}, {"temp": 24}])},
                       {"from": "gpt", "value": "Paris 18, Rome 24."}]},
    {"tools": json.dumps([W]),
     "conversations": [{"from": "human", "value": "Oslo?"},
                       {"from": "gpt", "value": "Let me check."},
                       {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}"},
                       {"from": "observation", "value": "{\"temp\": 3}"},
                       {"from": "gpt", "value": "3 degrees."}]},
    {"conversations": [{"from": "human", "value": "x"}, {"from": "narrator", "value": "y"}]},
])

GLAIVE_SYS = ("SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
              + json.dumps({"name": "get_exchange_rate", "description": "Get the exchange rate between two currencies",
                            "parameters": {"type": "object", "properties": {"base_currency": {"type": "string", "description": "The currency to convert from"},
                                                                            "target_currency": {"type": "string", "description": "The currency to convert to"}},
                                           "required": ["base_currency", "target_currency"]}}, indent=4)
              + "\n\n" + json.dumps({"name": "calculate_tip", "description": "Tip", "parameters": {"type": "object", "properties": {"bill": {"type": "number"}}, "required": ["bill"]}}, indent=4) + "\n")
jarr("glaive.json", [
    {"system": GLAIVE_SYS,
     "chat": "USER: Can you book a flight for me from New York to London?\n\n\nASSISTANT: I'm sorry, but I don't have the capability to book flights. I can help with exchange rates. <|endoftext|>\n\n\n"
             "USER: What is the rate from USD to GBP?\n\n\nASSISTANT: <functioncall> {\"name\": \"get_exchange_rate\", \"arguments\": '{\"base_currency\": \"USD\", \"target_currency\": \"GBP\"}'} <|endoftext|>\n\n\n"
             "FUNCTION RESPONSE: {\"exchange_rate\": 0.75}\n\n\nASSISTANT: The current exchange rate from USD to GBP is 0.75. <|endoftext|>\n\n\n"},
    {"system": "SYSTEM: You are a helpful assistant, with no access to external functions.",
     "chat": "USER: Tell me a joke.\n\n\nASSISTANT: Why did the chicken cross the road? To get to the other side. <|endoftext|>\n\n\n"},
    {"system": GLAIVE_SYS,
     "chat": "USER: Tip on 50?\n\n\nASSISTANT: <functioncall> {\"name\": \"calculate_tip\", \"arguments\": '{\"bill\": 50' <|endoftext|>\n\n\n"},
])

jarr("xlam.json", [
    {"id": 0, "query": "Where can I find live giveaways for beta access and games?",
     "answers": json.dumps([{"name": "live_giveaways_by_type", "arguments": {"type": "beta"}}, {"name": "live_giveaways_by_type", "arguments": {"type": "game"}}]),
     "tools": json.dumps([{"name": "live_giveaways_by_type", "description": "Retrieve live giveaways from the GamerPower API based on the specified type.",
                           "parameters": {"type": {"description": "The type of giveaways to retrieve (e.g., game, loot, beta).", "type": "str", "default": "game"}}}])},
    {"id": 1, "query": "Sum the list [1, 2, 3] and fetch 5 quotes.",
     "answers": json.dumps([{"name": "sum_list", "arguments": {"nums": [1, 2, 3]}}, {"name": "get_quotes", "arguments": {"limit": 5}}]),
     "tools": json.dumps([{"name": "sum_list", "description": "Sum numbers.", "parameters": {"nums": {"description": "Numbers.", "type": "List[int]"}}},
                          {"name": "get_quotes", "description": "Quotes.", "parameters": {"limit": {"description": "How many.", "type": "int, optional", "default": 10}}}])},
    {"id": 2, "query": "Broken", "answers": "[{\"name\": ", "tools": "[]"},
])

HERMES_SYS = ("You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. "
              "You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions.\n<tools>\n"
              + repr([{"type": "function", "function": {"name": "get_stock_price", "description": "Get the current stock price",
                                                          "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]}}}])
              + "\n</tools>\nFor each function call return a json object with function name and arguments within <tool_call></tool_call> tags with the following schema:\n"
              "<tool_call>\n{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n")
jarr("hermes.json", [
    {"id": "h-1", "category": "Finance", "subcategory": "Stocks", "task": "prices",
     "conversations": [{"from": "system", "value": HERMES_SYS},
                       {"from": "human", "value": "Prices of AAPL and MSFT?"},
                       {"from": "gpt", "value": "<tool_call>\n{'arguments': {'symbol': 'AAPL'}, 'name': 'get_stock_price'}\n</tool_call>\n<tool_call>\n{'arguments': {'symbol': 'MSFT'}, 'name': 'get_stock_price'}\n</tool_call>\n"},
                       {"from": "tool", "value": "<tool_response>\n{\"name\": \"get_stock_price\", \"content\": {\"symbol\": \"AAPL\", \"price\": 190.1}}\n</tool_response>\n<tool_response>\n{\"name\": \"get_stock_price\", \"content\": {\"symbol\": \"MSFT\", \"price\": 410.5}}\n</tool_response>\n"},
                       {"from": "gpt", "value": "AAPL is 190.1 and MSFT is 410.5."}]},
    {"id": "h-2", "conversations": [{"from": "system", "value": HERMES_SYS}, {"from": "human", "value": "AAPL?"},
                                    {"from": "gpt", "value": "<tool_call>\n{'arguments': {'symbol': 'AAPL'}, 'name': 'get_stock_price'}\n"}]},
])

TOOLACE_SYS = ("You are an expert in composing functions. You are given a question and a set of possible functions. "
               "Based on the question, you will need to make one or more function/tool calls to achieve the purpose.\n"
               "Here is a list of functions in JSON format that you can invoke:\n"
               + json.dumps([{"name": "Market Trends API", "description": "Get the latest market trends.", "parameters": {"type": "dict", "properties": {"trend_type": {"description": "Trend type.", "type": "string"}, "country": {"description": "Country.", "type": "string", "default": "us"}}, "required": ["trend_type"]}, "required": None},
                             {"name": "get_ranks", "description": "Ranks.", "parameters": {"type": "dict", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}, "exact": {"type": "boolean"}}, "required": ["ids"]}}])
               + ".\nShould you decide to return the function call(s), Put it in the format of [func1(params_name=params_value, params_name2=params_value2...), func2(params)]\n\nNO other text MUST be included.")
jarr("toolace.json", [
    {"system": TOOLACE_SYS,
     "conversations": [{"from": "user", "value": "Most active stocks in the US, and ranks for 1 and 2?"},
                       {"from": "assistant", "value": "[Market Trends API(trend_type=\"MOST_ACTIVE\", country='us'), get_ranks(ids=[1, 2], exact=True)]"},
                       {"from": "tool", "value": json.dumps([{"name": "Market Trends API", "results": {"trends": ["AAPL"]}}, {"name": "get_ranks", "results": {"1": 5, "2": 9}}])},
                       {"from": "assistant", "value": "AAPL is the most active; ranks are 5 and 9."}]},
    {"system": TOOLACE_SYS,
     "conversations": [{"from": "user", "value": "Trends?"}, {"from": "assistant", "value": "[Market Trends API(trend_type=\"MOST_ACTIVE\", country=__import__('os'))]"}]},
])

jsonl("bfcl/BFCL_v3_simple.json", [
    {"id": "simple_0", "question": [[{"role": "user", "content": "Find the area of a triangle with a base of 10 units and height of 5 units."}]],
     "function": [{"name": "calculate_triangle_area", "description": "Calculate the area of a triangle given its base and height.",
                   "parameters": {"type": "dict", "properties": {"base": {"type": "integer", "description": "The base."}, "height": {"type": "integer", "description": "The height."}, "unit": {"type": "string", "description": "Unit."}}, "required": ["base", "height"]}}]},
    {"id": "simple_1", "question": [[{"role": "user", "content": "Calculate the factorial of 5."}]],
     "function": [{"name": "math.factorial", "description": "Factorial.", "parameters": {"type": "dict", "properties": {"number": {"type": "integer"}}, "required": ["number"]}}]},
    {"id": "simple_2", "question": [[{"role": "user", "content": "No answer for me."}]], "function": []},
])
jsonl("bfcl/possible_answer/BFCL_v3_simple.json", [
    {"id": "simple_0", "ground_truth": [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]},
    {"id": "simple_1", "ground_truth": [{"math.factorial": {"number": [5]}}]},
])
