#!/usr/bin/env python3
"""Writes the chat-format test conversations (JSONL {"messages": [{role, content}, ...]}) to stdout. Deterministic.

Every conversation ends with a user or ipython message (a generation prompt). Contents carry leading/trailing
white space (the templates trim it), inner newlines, several scripts and emoji. No special-token look-alikes:
the Jinja template + tokenizer would parse them as special tokens, while align4j (like Meta's reference
ChatFormat) encodes message contents as text."""
import json
import random

rng = random.Random(31337)
SYSTEMS = ["You are a helpful assistant.", "Always answer in French.", "You are Napoleon. Speak like him.",
           "Environment: ipython\nTools: brave_search, wolfram_alpha\nCutting Knowledge Date: December 2023",
           "  Be concise.  ", "Réponds en français, s'il te plaît.", "Answer with one word."]
USERS = ["What is 2+2?", "Write a haiku about the sea.", "  Tell me a joke.\n", "Translate 'good morning' to Japanese.",
         "How do I reverse a list in Python?\n\n```python\nxs = [1, 2, 3]\n```", "Why is the sky blue?",
         "¿Cuál es la capital de Francia?", "用中文解释一下量子计算。", "Summarize: The cat sat on the mat. It was happy.",
         "What's the weather in Menlo Park?", "Compute 1234 * 5678.", "Give me three emoji for joy 😀", "\tList primes below 20."]
ASSISTANTS = ["4", "The sea whispers / waves fold into the blue night / salt on the cold wind",
              "Why did the chicken cross the road? To get to the other side!", "おはようございます",
              "Use `xs[::-1]` or `list(reversed(xs))`.\n", "Rayleigh scattering.  ", "París.", "量子计算利用量子比特。",
              "A happy cat sat on a mat.", "<|python_tag|>brave_search.call(query=\"Menlo Park weather\")",
              "7006652", "😀 🎉 🥳", "2, 3, 5, 7, 11, 13, 17, 19"]
TOOL = ["{\"temperature\": \"21C\", \"conditions\": \"sunny\"}", "[1, 2, 3]", "  42\n", "Error: timeout"]


def conv(system, turns, tool):
    msgs = []
    if system:
        msgs.append({"role": "system", "content": rng.choice(SYSTEMS)})
    for t in range(turns):
        msgs.append({"role": "user", "content": rng.choice(USERS)})
        if t < turns - 1 or tool:
            msgs.append({"role": "assistant", "content": rng.choice(ASSISTANTS)})
    if tool:
        msgs.append({"role": "ipython", "content": rng.choice(TOOL)})
    return msgs


def main():
    out = []
    for i in range(64):
        out.append({"messages": conv(i % 2 == 0, 1 + i % 4, i % 5 == 4)})
    out.append({"messages": [{"role": "user", "content": ""}]})
    out.append({"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "   "}]})
    for o in out:
        print(json.dumps(o, ensure_ascii=True))


if __name__ == "__main__":
    main()
