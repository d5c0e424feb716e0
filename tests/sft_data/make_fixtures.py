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
    # OpenAI fine-tuning guide shape: the target turn is a call, with no "content" key at all
    {"messages": [{"role": "system", "content": "You are a helpful assistant"}, {"role": "user", "content": "What is the weather in San Francisco?"},
                  {"role": "assistant", "tool_calls": [{"id": "call_id", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]}],
     "parallel_tool_calls": False,
     "tools": [{"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and country, eg. San Francisco, USA"},
                                                               "format": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location", "format"]}}}]},
    # OpenAI fine-tuning "weight": 0 marks a turn that must not be trained on
    {"id": "oa-weight", "messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "London", "weight": 0},
                                     {"role": "user", "content": "Are you sure?"}, {"role": "assistant", "content": "Sorry: it is Paris.", "weight": 1}]},
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
    # LLaMA-Factory glaive_toolcall demo shape: a chat turn before the call, arguments as an
    # object inside the JSON string, tools as a JSON string, a tool with no parameters
    {"conversations": [{"from": "human", "value": "Hi, I have some ingredients and I want to cook something. Can you help me find a recipe?"},
                       {"from": "gpt", "value": "Of course! Please tell me what ingredients you have."},
                       {"from": "human", "value": "I have chicken, bell peppers, and rice."},
                       {"from": "function_call", "value": "{\"name\": \"search_recipes\", \"arguments\": {\"ingredients\": [\"chicken\", \"bell peppers\", \"rice\"]}}"},
                       {"from": "observation", "value": "{\"recipes\": [{\"name\": \"Chicken and Bell Pepper Stir Fry\"}]}"},
                       {"from": "gpt", "value": "You could make a Chicken and Bell Pepper Stir Fry."}],
     "tools": "[{\"name\": \"search_recipes\", \"description\": \"Search for recipes based on ingredients\", \"parameters\": {\"type\": \"object\", \"properties\": {\"ingredients\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"description\": \"The ingredients to search for\"}}, \"required\": [\"ingredients\"]}}, {\"name\": \"get_time\", \"description\": \"Current time\"}]"},
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
    # real glaive-function-calling-v2 quirks: arguments over several lines, an unescaped
    # apostrophe inside the single-quoted arguments, plain-object arguments, no arguments
    {"system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
               + json.dumps({"name": "track_expenses", "description": "Track expenses", "parameters": {"type": "object", "properties": {
                   "category": {"type": "string"}, "amount": {"type": "number"}, "date": {"type": "string"}}, "required": ["category", "amount"]}}, indent=4)
               + "\n\n" + json.dumps({"name": "send_email", "description": "Send an email", "parameters": {"type": "object", "properties": {
                   "message": {"type": "string"}}, "required": ["message"]}}, indent=4)
               + "\n\n" + json.dumps({"name": "get_current_time", "description": "Current time", "parameters": {}}, indent=4),
     "chat": "USER: I spent $200 on groceries on 1st April.\n\n\nASSISTANT: <functioncall> {\"name\": \"track_expenses\", \"arguments\": '{\n  \"category\": \"groceries\",\n  \"amount\": 200,\n  \"date\": \"2022-04-01\"\n}'} <|endoftext|>\n\n\n"
             "FUNCTION RESPONSE: {\"status\": \"success\"}\n\n\nASSISTANT: Your expense is recorded. <|endoftext|>\n\n\n"
             "USER: Email my boss that it is done.\n\n\nASSISTANT: <functioncall> {\"name\": \"send_email\", \"arguments\": '{\"message\": \"Done. Regards, [User's Name]\"}'} <|endoftext|>\n\n\n"
             "FUNCTION RESPONSE: {\"status\": \"sent\"}\n\n\nASSISTANT: The email has been sent. <|endoftext|>\n\n\n"
             "USER: And what time is it?\n\n\nASSISTANT: <functioncall> {\"name\": \"get_current_time\"} <|endoftext|>\n\n\n"
             "FUNCTION RESPONSE: {\"time\": \"10:30\"}\n\n\nASSISTANT: It is 10:30. <|endoftext|>\n\n\n"
             "USER: Track 12.5 for taxi.\n\n\nASSISTANT: <functioncall> {\"name\": \"track_expenses\", \"arguments\": {\"category\": \"taxi\", \"amount\": 12.5}} <|endoftext|>\n\n\n"
             "FUNCTION RESPONSE: {\"status\": \"success\"}\n\n\nASSISTANT: Recorded. <|endoftext|>\n"},
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
    # the dataset card's tool-use row (shortened): "<tools> </tools>" in the prose, Python-repr
    # tools and calls (True), a JSON tool response
    {"id": "753d8365-0e54-43b1-9514-3f9b819fd31c",
     "conversations": [{"from": "system", "value": "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML tags. "
                        "You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions.\n<tools>\n"
                        "[{'type': 'function', 'function': {'name': 'search_flights', 'description': 'Searches for flights.', 'parameters': {'type': 'object', 'properties': "
                        "{'departure_city': {'type': 'string'}, 'destination_city': {'type': 'string'}, 'class': {'type': 'string', 'enum': ['economy', 'business', 'first']}, "
                        "'flexible_cancellation': {'type': 'boolean'}}, 'required': ['departure_city', 'destination_city', 'class']}}}]\n</tools>\n"
                        "For each function call return a json object with function name and arguments within <tool_call> </tool_call> tags with the following schema:\n"
                        "<tool_call>\n{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n"},
                       {"from": "human", "value": "Flights from Los Angeles to Auckland, economy, with flexible cancellation?"},
                       {"from": "gpt", "value": "<tool_call>\n{'arguments': {'departure_city': 'Los Angeles', 'destination_city': 'Auckland', 'class': 'economy', 'flexible_cancellation': True}, 'name': 'search_flights'}\n</tool_call>\n"},
                       {"from": "tool", "value": "<tool_response>\n{\"name\": \"search_flights\", \"content\": {\"flights\": [{\"flight_number\": \"NZ6\", \"price\": \"$1020\", \"flexible_cancellation\": true}]}}\n</tool_response>\n"},
                       {"from": "gpt", "value": "Air New Zealand NZ6 costs $1020 and can be cancelled flexibly."}],
     "category": "E-commerce Platforms", "subcategory": "Kayak", "task": "Flight Search"},
    # the card's structured-extraction row: a literal backslash-n around the call and the name
    # inside the arguments, so the call has no name: rejected
    {"id": "afba1f0c-3212-467d-8594-d72a06da4d05",
     "conversations": [{"from": "system", "value": "You are an expert structured information extraction AI model. You are also provided with the json schema to output extracted information in the function signatures within XML tags <tools></tools>.\n<tools>\n"
                        "[{\"type\": \"function\", \"function\": {\"name\": \"ExpertQAExtractor\", \"description\": \"Extracts questions.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"application_questions\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, \"required\": [\"application_questions\"]}}}]\n</tools>"},
                       {"from": "human", "value": "Can you help me extract queries from the following passage <passage> A directed graph. </passage>"},
                       {"from": "gpt", "value": "<tool_call>\\n{\"arguments\": {\"queries\": ['How can graph traversal be applied?'], \"name\": \"ExpertQAExtractor\"}}\\n</tool_call>"}],
     "category": "Information Extraction", "subcategory": "Json Schema", "task": "Structured json schema extaction with function calling"},
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
    # the released data's system wording; a call without arguments, then a refusal in text
    {"system": "You are an expert in composing functions. You are given a question and a set of possible functions. \nBased on the question, you will need to make one or more function/tool calls to achieve the purpose. \n"
               "If none of the function can be used, point it out. If the given question lacks the parameters required by the function,\nalso point it out. You should only return the function call in tools call sections.\n"
               "Here is a list of functions in JSON format that you can invoke:\n"
               + json.dumps([{"name": "newAddress", "description": "Generates a new Ethereum address that can be used to send or receive funds.", "parameters": {"type": "dict", "properties": {}, "required": []}, "required": None}])
               + ". \nShould you decide to return the function call(s). \nPut it in the format of [func1(params_name=params_value, params_name2=params_value2...), func2(params)]\n\nNO other text MUST be included. \n",
     "conversations": [{"from": "user", "value": "I need a new Ethereum address."},
                       {"from": "assistant", "value": "[newAddress()]"},
                       {"from": "tool", "value": json.dumps([{"name": "newAddress", "results": {"address": "0x1b9f", "privateKey": "0x2c7e"}}])},
                       {"from": "assistant", "value": "Your new address is 0x1b9f; keep the private key 0x2c7e safe."},
                       {"from": "user", "value": "Also send 1 ETH to it."},
                       {"from": "assistant", "value": "None of the given functions can send funds, so I cannot do that."}]},
])

jsonl("bfcl/BFCL_v3_simple.json", [
    {"id": "simple_0", "question": [[{"role": "user", "content": "Find the area of a triangle with a base of 10 units and height of 5 units."}]],
     "function": [{"name": "calculate_triangle_area", "description": "Calculate the area of a triangle given its base and height.",
                   "parameters": {"type": "dict", "properties": {"base": {"type": "integer", "description": "The base."}, "height": {"type": "integer", "description": "The height."}, "unit": {"type": "string", "description": "Unit."}}, "required": ["base", "height"]}}]},
    {"id": "simple_1", "question": [[{"role": "user", "content": "Calculate the factorial of 5."}]],
     "function": [{"name": "math.factorial", "description": "Factorial.", "parameters": {"type": "dict", "properties": {"number": {"type": "integer"}}, "required": ["number"]}}]},
    {"id": "simple_2", "question": [[{"role": "user", "content": "No answer for me."}]], "function": []},
])
# rows as bfcl-eval ships them: a nested dict argument (acceptable values per key again), a
# Java function (scalars in Java string form), an irrelevance row and a multi-turn row
jsonl("bfcl/BFCL_v4_live_multiple.json", [
    {"id": "live_multiple_0-0-0", "question": [[{"role": "user", "content": "update my latte to a large size with coconut milk and make it extra sweet? make it served 'boiling hot' as the special request. The drink id is 'latte'"}]],
     "function": [{"name": "ChaDri.change_drink", "description": "Modifies the existing drink order.", "parameters": {"type": "dict", "required": ["drink_id", "new_preferences"], "properties": {
         "drink_id": {"type": "string", "description": "The unique identifier of the drink to be changed."},
         "new_preferences": {"type": "dict", "description": "The updated preferences for the drink order.", "properties": {
             "size": {"type": "string", "enum": ["small", "medium", "large"], "default": "medium"},
             "milk_type": {"type": "string", "enum": ["regular", "skim", "almond", "coconut"], "default": "regular"},
             "sweetness_level": {"type": "string", "enum": ["none", "light", "regular", "extra"], "default": "regular"},
             "special_instructions": {"type": "string", "default": ""}}}}}}]},
    {"id": "live_irrelevance_0-0-0", "question": [[{"role": "user", "content": "Tell me a joke."}]],
     "function": [{"name": "requests.get", "description": "Sends a GET request.", "parameters": {"type": "dict", "required": ["url"], "properties": {"url": {"type": "string"}}}}]},
])
jsonl("bfcl/possible_answer/BFCL_v4_live_multiple.json", [
    {"id": "live_multiple_0-0-0", "ground_truth": [{"ChaDri.change_drink": {"drink_id": ["latte"], "new_preferences": [
        {"size": ["large"], "milk_type": ["coconut"], "sweetness_level": ["extra"], "special_instructions": ["served boiling hot", "boiling hot", ""]}]}}]},
])
jsonl("bfcl/BFCL_v4_simple_java.json", [
    {"id": "simple_java_18", "question": [[{"role": "user", "content": "Help me fetch page 3 of the user list with 20 users per page, including inactive ones, using `userService`?"}]],
     "function": [{"name": "UserService.listUsers", "description": "Lists users page by page.", "parameters": {"type": "dict", "properties": {
         "pageNo": {"type": "integer", "description": "The page number."}, "pageSize": {"type": "integer", "description": "Users per page."},
         "includeInactive": {"type": "boolean", "description": "Whether to list inactive users."},
         "ids": {"type": "ArrayList", "description": "Only these ids.", "items": {"type": "integer"}}}, "required": ["pageNo", "pageSize"]}}]},
    {"id": "multi_turn_base_0", "question": [[{"role": "user", "content": "Move 'final_report.pdf' to 'temp'."}], [{"role": "user", "content": "Now grep it for budget."}]],
     "initial_config": {"GorillaFileSystem": {}}, "path": ["GorillaFileSystem.mv"], "involved_classes": ["GorillaFileSystem"]},
])
jsonl("bfcl/possible_answer/BFCL_v4_simple_java.json", [
    {"id": "simple_java_18", "ground_truth": [{"UserService.listUsers": {"pageNo": [3], "pageSize": [20], "includeInactive": [True], "ids": [""]}}]},
])
jsonl("bfcl/possible_answer/BFCL_v3_simple.json", [
    {"id": "simple_0", "ground_truth": [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]},
    {"id": "simple_1", "ground_truth": [{"math.factorial": {"number": [5]}}]},
])
