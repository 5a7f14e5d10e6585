#!/usr/bin/python3
"""SentencePiece reference outputs (Debian python3-sentencepiece, Google's C++ library) for the tokenizer tests:
ids of every corpus text, decodes of random id sequences, and Llama 2 chat ids built exactly as Meta's
reference chat_completion does (llama/generation.py), on the committed spm-llama2-style.model.
Usage: tokenizer_reference_spm.py FIXTURE_DIR"""
import json
import random
import sys

import sentencepiece as spm

fix = sys.argv[1]
corpus = [json.loads(l)["text"] for l in open(f"{fix}/corpus.jsonl")]
fuzz = [json.loads(l)["text"] for l in open(f"{fix}/fuzz.jsonl")]


def reference(model, name, seed):
    sp = spm.SentencePieceProcessor(model_file=f"{fix}/{model}")
    with open(f"{fix}/{name}.ids.jsonl", "w") as f:
        encs = []
        for t in corpus:
            ids = sp.encode(t)
            encs.append(ids)
            f.write(json.dumps({"ids": ids}) + "\n")
    rng = random.Random(seed)
    with open(f"{fix}/{name}.decode.jsonl", "w") as f:
        for i in range(400):
            if i % 3 == 0:
                ids = [rng.randrange(sp.get_piece_size()) for _ in range(rng.randint(1, 12))]
            else:
                e = encs[rng.randrange(len(encs))]
                if not e:
                    ids = []
                else:
                    a = rng.randrange(len(e))
                    ids = e[a:a + 1 + rng.randrange(len(e) - a)]
            f.write(json.dumps({"ids": ids, "text": sp.decode(ids)}, ensure_ascii=True) + "\n")
    with open(f"{fix}/{name}.fuzz.ids.jsonl", "w") as f:
        for t in fuzz:
            f.write(json.dumps({"ids": sp.encode(t)}) + "\n")
    return sp


sp = reference("spm-llama2-style.model", "spm", 5)
reference("spm-nfkc-bpe.model", "spm-nfkc", 6)

# Meta's chat_completion (llama/generation.py, Llama 2), without the unsafe-tag check
B_INST, E_INST = "[INST]", "[/INST]"
B_SYS, E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"


def chat_ids(dialog):
    if dialog[0]["role"] == "system":
        dialog = [{"role": dialog[1]["role"], "content": B_SYS + dialog[0]["content"] + E_SYS + dialog[1]["content"]}] + dialog[2:]
    assert all(m["role"] == "user" for m in dialog[::2]) and all(m["role"] == "assistant" for m in dialog[1::2])
    toks = []
    for prompt, answer in zip(dialog[::2], dialog[1::2]):
        toks += [sp.bos_id()] + sp.encode(f"{B_INST} {(prompt['content']).strip()} {E_INST} {(answer['content']).strip()} ") + [sp.eos_id()]
    if len(dialog) % 2 == 1:
        toks += [sp.bos_id()] + sp.encode(f"{B_INST} {(dialog[-1]['content']).strip()} {E_INST}")
    return toks


with open(f"{fix}/llama2-chat.jsonl", "w") as f:
    n = 0
    for l in open(f"{fix}/chats.jsonl"):
        msgs = json.loads(l)["messages"]
        if any(m["role"] == "ipython" for m in msgs):
            continue
        # the prompt form (ends with user) and the training form (ends with the last answer)
        f.write(json.dumps({"messages": msgs, "ids": chat_ids(msgs)}) + "\n")
        if len(msgs) >= 3:
            full = msgs + [{"role": "assistant", "content": " Final answer.\n"}]
            f.write(json.dumps({"messages": full, "ids": chat_ids(full)}) + "\n")
        n += 1
# the SentencePiece model trained by align4j's TokenizerTrainer, encoded by Google's library
tsp = spm.SentencePieceProcessor(model_file=f"{fix}/trained-llama2/tokenizer.model")
with open(f"{fix}/trained-llama2.spm.ids.jsonl", "w") as f:
    for t in corpus:
        f.write(json.dumps({"ids": tsp.encode(t)}) + "\n")

print(f"spm reference: {len(corpus)} texts, {n} chats", file=sys.stderr)
