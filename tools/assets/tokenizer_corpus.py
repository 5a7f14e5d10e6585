#!/usr/bin/env python3
"""Writes the tokenizer test corpus (JSONL, one {"text": ...} per line) to stdout. Deterministic (seeded).

Mixes English prose, code, many scripts, emoji (ZWJ sequences, flags, skin tones), digits, runs of
spaces/tabs/newlines, leading/trailing white space, Unicode white space, contractions and special-token
look-alikes. Used by tools/assets/tokenizers.sh --fixtures."""
import json
import random
import sys

rng = random.Random(20240418)

ENGLISH = [
    "The quick brown fox jumps over the lazy dog.",
    "It's a truth universally acknowledged, that a single man in possession of a good fortune must be in want of a wife.",
    "We'll see; they've said they'd come, but I'm not sure you're right.",
    "SHE'S HERE! WE'LL GO. THEY'D KNOW. I'M DONE. YOU'VE WON.",
    "Reinforcement learning from human feedback (RLHF) aligns the model with preferences.",
    "Mr. O'Neil paid $1,234.56 on 2024-07-23 at 10:45 a.m. -- a 12.5% discount!",
    "Hello, world!", "Hello", "hello", " hello", "  hello", "hello ", "HELLO WORLD", "hElLo WoRlD",
    "e-mail me at someone@example.com or visit https://example.org/path?q=1&r=2#frag",
    "Don't stop believin'. Hold on to that feelin'.",
    "rock 'n' roll", "'tis the season", "the dogs' bones", "''quoted''", "'S 'T 'RE 'VE 'M 'LL 'D",
]
CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "public static void main(String[] args) {\n\tSystem.out.println(\"hi\");\n}\n",
    "for (int i = 0; i < 10; ++i) { sum += a[i] * b[i]; }",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "const f = async (x) => { await g(x?.y ?? 0); };",
    "x = [1, 2, 3]; y = {'a': 1, \"b\": [2, 3]}; z = (x, y)",
    "if __name__ == \"__main__\":\n    main()\n",
    "    indented  code\twith\t\ttabs   and    spaces\n\n\n",
    "<html><body><div class=\"x\">&nbsp;&lt;tag&gt;</div></body></html>",
    "$ ls -la | grep '^d' && echo \"done\" >> log.txt 2>&1",
    "λx. x + 1 ; ∀ε>0 ∃δ>0 : |x−y|<δ ⇒ |f(x)−f(y)|<ε",
]
SCRIPTS = [
    "你好，世界！今天天气很好。我们去公园散步吧。",
    "日本語のテキストとカタカナ、ひらがなを混ぜます。東京タワー",
    "한국어 문장도 포함합니다. 안녕하세요!",
    "Привет, мир! Съешь же ещё этих мягких французских булок.",
    "Γειά σου Κόσμε! Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "مرحبا بالعالم! هذه جملة عربية. ١٢٣٤٥٦٧٨٩٠",
    "שלום עולם! זה משפט בעברית.",
    "नमस्ते दुनिया! यह एक हिंदी वाक्य है। १२३४",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "გამარჯობა მსოფლიო", "Բարեւ աշխարհ", "வணக்கம் உலகம்", "ሰላም ልዑል", "ជំរាបសួរ", "ສະບາຍດີ",
    "Ṫĥïś ïś ŵëïŕď Ŀàţîñ ŵîţĥ ďïàçŕîţîçś", "Straße, Größe, Maß; ﬁnancial ﬂow (ligatures)",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ　１２３", "e\u0301 combining acute, n\u0303, a\u0308\u0304",
    "Tiếng Việt có dấu: Nguyễn Thị Minh Khai", "Türkçe: İstanbul, ılık, ĞÜŞÖÇ", "Český jazyk: příliš žluťoučký kůň",
    "ʻOlelo Hawaiʻi", "Ελληνικά και English μαζί", "Ꭰ Ꭱ Ꭲ Cherokee", "ᚠᚢᚦᚨᚱᚲ runes", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝟙𝟚𝟛",
    "𠀀𠀁 supplementary CJK 𪚥", "Emoji-free: ©®™ § ¶ † ‡ • … ‰ ′ ″",
]
EMOJI = [
    "😀", "😂🤣", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵🇺🇸🇩🇪", "❤️", "🧑🏿‍💻", "✨🎉🎊", "🐍 python", "🦀 rust",
    "I ❤️ NY", "👩‍🔬🧪", "🫠🫡", "1️⃣2️⃣3️⃣", "🤷‍♀️", "⌚⏰", "☕️ coffee", "😀😀😀😀😀",
]
DIGITS = [
    "0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159265358979", "-0.000001", "1e-10", "6.022e23",
    "2,147,483,647", "0xDEADBEEF", "0b1010", "007", "1 2 3 4 5", "١٢٣", "۱۲۳", "१२३", "１２３", "Ⅻ", "½ ¾ ⅓", "²³",
    "9999999999999999999", "v1.2.3-rc.4", "3rd 2nd 1st 21st", "12:30:45", "+1 (555) 123-4567",
]
SPECIAL = [
    "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>",
    "<|python_tag|>", "<|reserved_special_token_0|>", "<|reserved_special_token_99|>", "<|reserved_special_token_250|>",
    "<s>", "</s>", "<unk>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "<0x0A>", "<0xFF>", "<|eot_id", "|>", "<|",
    "<|endoftext|>", "<pad>", "▁", "▁▁hello", "Ġhello", "Ċ",
]
WS = [" ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r", " \n ", "\n \n",
      "\u00a0", "\u3000", "\u2009", "\u200b", "\u2028", "\u0085", "\u000b", "\u000c", "\ufeff", " \t \n", "\u001c"]


def word():
    pool = rng.choice([ENGLISH, CODE, SCRIPTS, EMOJI, DIGITS, SPECIAL])
    s = rng.choice(pool)
    if pool in (ENGLISH, CODE, SCRIPTS) and rng.random() < 0.5:
        parts = s.split(" ")
        a = rng.randrange(len(parts))
        b = rng.randrange(a, len(parts)) + 1
        s = " ".join(parts[a:b])
    return s


def mixed():
    n = rng.randint(1, 8)
    out = []
    for _ in range(n):
        out.append(word())
        out.append(rng.choice(WS) if rng.random() < 0.4 else " ")
    s = "".join(out)
    if rng.random() < 0.3:
        s = rng.choice(WS) + s
    if rng.random() < 0.5:
        s = s.rstrip(" ")
    return s


def main():
    texts = []
    for pool in (ENGLISH, CODE, SCRIPTS, EMOJI, DIGITS, SPECIAL, WS):
        texts.extend(pool)
    texts += ["", "a", " ", "'s", "'ſ", "'S", "x'll", "I'M", "don'T", " '", "\t'd"]
    texts += [c * k for c in " \t\n" for k in (1, 2, 3, 5, 17)]
    texts += ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25))) for _ in range(20)]
    texts += ["".join(chr(rng.randint(0x20, 0x7e)) for _ in range(rng.randint(1, 60))) for _ in range(40)]
    # random code points from many blocks (no surrogates, no private use, no noncharacters)
    blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x6ff), (0x900, 0x97f),
              (0xe00, 0xe7f), (0x1100, 0x11ff), (0x2000, 0x206f), (0x2190, 0x22ff), (0x3040, 0x30ff),
              (0x4e00, 0x9fff), (0xac00, 0xd7a3), (0x1f300, 0x1f64f), (0x1f900, 0x1f9ff)]
    for _ in range(80):
        s = []
        for _ in range(rng.randint(1, 30)):
            lo, hi = rng.choice(blocks)
            s.append(chr(rng.randint(lo, hi)))
        texts.append("".join(s))
    while len(texts) < 1200:
        texts.append(mixed())
    long_text = " ".join(mixed() for _ in range(60))
    texts.append(long_text)
    for t in texts:
        sys.stdout.write(json.dumps({"text": t}, ensure_ascii=True) + "\n")


ATOMS = ["a", "Z", "e", "\u00e9", "\u00df", "\u017f", "s", "S", "t", "re", "VE", "m", "ll", "D", "'", "\u2019", "1", "23", "456",
         "\u0663", "\u00bd", "\u216b", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u0085", "\u2028", "\u000b",
         "\u001c", "\ufeff", "\u200b", ".", ",", "!?", "-", "_", "<|", "|>", "<s>", "</s>", "<|eot_id|>", "[INST]", "hello",
         "\U0001f600", "\U0001f44d\U0001f3fd", "\u200d", "\u0301", "\u4f60", "\u05d4", "\u0e01", "\U0001d518", "$", "\\",
         "\u2581", "\u0120", "foo", "Stra\u00dfe", "\uff26", "\ufb01"]


def fuzz(n=3000):
    """Adversarial short strings: random sequences of tricky atoms (white space kinds, contractions, digits,
    special-token look-alikes, combining marks, surrogate pairs, ZWJ)."""
    r = random.Random(99)
    for _ in range(n):
        yield "".join(r.choice(ATOMS) for _ in range(r.randint(1, 10)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--fuzz":
        for t in fuzz():
            sys.stdout.write(json.dumps({"text": t}, ensure_ascii=True) + "\n")
    else:
        main()
