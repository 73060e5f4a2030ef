"""Generates the near-dedup benchmark corpus and runs datasketch on it.

    python3 benches/dedup_corpus.py gen N OUT.jsonl       # N bases + planted near-duplicates, truth in OUT.truth.json
    python3 benches/dedup_corpus.py datasketch IN.jsonl   # MinHashLSH over the same char 5-grams; prints seconds and pairs
    python3 benches/dedup_corpus.py score IN.truth.json PAIRS.json   # pairwise precision / recall
    python3 benches/dedup_corpus.py bench DIR N           # 10 benchmark files of N word problems each

The corpus mimics src/fixtures/dedup.rs (syllable words; word edits, sentence swaps,
case, whitespace and punctuation changes) at benchmark scale.
"""
import itertools, json, random, re, sys, time, unicodedata

ONSETS = "b d f g k l m n p r s t v z ch sh tr pl".split()
VOWELS = "a e i o u ai ou".split()


def word(r):
    return "".join(r.choice(ONSETS) + r.choice(VOWELS) for _ in range(r.randint(2, 3)))


def sentence(r):
    s = " ".join(word(r) for _ in range(r.randint(7, 13)))
    return s[0].upper() + s[1:] + "."


def edit(r, inst, resp):
    k = r.randrange(6)
    if k == 0:
        i = r.randrange(len(resp)); w = resp[i].split(" "); w[r.randrange(len(w))] = word(r); resp[i] = " ".join(w)
    elif k == 1:
        i = r.randrange(len(resp)); w = resp[i].split(" "); w.insert(r.randrange(len(w)), word(r)); w.pop(r.randrange(len(w) - 1)); resp[i] = " ".join(w)
    elif k == 2 and len(resp) > 2:
        a, b = r.sample(range(len(resp)), 2); resp[a], resp[b] = resp[b], resp[a]
    elif k == 3:
        inst = inst.upper()
    elif k == 4:
        inst = "  " + inst.replace(" ", "  ") + "\n"
    else:
        resp = [s.replace(".", "!") for s in resp]
    return inst, resp


def gen(n, out):
    r = random.Random(20261123)
    truth = {}
    with open(out, "w") as f:
        k = 0
        for g in range(n):
            inst = " ".join(sentence(r) for _ in range(r.randint(1, 2)))
            resp = [sentence(r) for _ in range(r.randint(4, 7))]
            copies = 1 + (r.randint(1, 3) if g % 4 == 0 else 0)
            for c in range(copies):
                i, s = inst, list(resp)
                if c > 0 and r.random() > 0.1:
                    for _ in range(r.randint(1, 3)):
                        i, s = edit(r, i, s)
                rid = f"d{k}"
                f.write(json.dumps({"id": rid, "instruction": i, "input": "", "output": " ".join(s)}) + "\n")
                truth[rid] = g
                k += 1
    json.dump(truth, open(out[: -len(".jsonl")] + ".truth.json", "w"))


def norm(s):
    # ftqa's near normalisation: NFKC, lower case, non-alphanumeric runs -> one space.
    s = unicodedata.normalize("NFKC", s).lower()
    return " ".join(re.findall(r"[^\W_]+", s))


def datasketch(path, threshold=0.7, num_perm=128):
    from datasketch import MinHash, MinHashLSH
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs, ids, pairs = [], [], []
    for i, line in enumerate(open(path)):
        rec = json.loads(line)
        text = norm(rec["instruction"] + "\n" + rec["output"])
        m = MinHash(num_perm=num_perm)
        m.update_batch([text[j:j + 5].encode() for j in range(max(1, len(text) - 4))])
        for c in lsh.query(m):
            # Verify candidates by estimated Jaccard, as ftqa does.
            if m.jaccard(sigs[c]) >= threshold:
                pairs.append((ids[c], rec["id"]))
        lsh.insert(i, m)
        sigs.append(m)
        ids.append(rec["id"])
    secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "records": len(ids), "b_r": lsh.b, "pairs": len(pairs)}))
    json.dump(pairs, open(path + ".datasketch_pairs.json", "w"))


def components(pairs, ids):
    parent = {i: i for i in ids}
    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]; x = parent[x]
        return x
    for a, b in pairs:
        parent[find(a)] = find(b)
    return {i: find(i) for i in ids}


def score(truth_path, pairs_path):
    truth = json.load(open(truth_path))
    pred = components([tuple(p) for p in json.load(open(pairs_path))], list(truth))
    def pairset(lab):
        g = {}
        for k, v in lab.items():
            g.setdefault(v, []).append(k)
        return {tuple(sorted(p)) for m in g.values() if len(m) > 1 for p in itertools.combinations(m, 2)}
    t, p = pairset(truth), pairset(pred)
    tp = len(t & p)
    print(json.dumps({"true_pairs": len(t), "predicted_pairs": len(p), "precision": tp / max(1, len(p)), "recall": tp / max(1, len(t))}))


NAMES = "Natalia Weng Betty Julie James Albert Mark Ken Alexis Tina Randy Joy Carla Marcus Priya Tobias".split()
OBJECTS = "apples marbles stickers books pencils cookies shells cards bottles flowers stamps coins".split()


def bench(d, n):
    r = random.Random(7)
    for b in range(10):
        with open(f"{d}/bench_{b}.jsonl", "w") as f:
            for i in range(n):
                nm, ob = r.choice(NAMES), r.choice(OBJECTS)
                q = f"{nm} collects {ob} and has {r.randint(3, 999)} of them after visiting {word(r)} {word(r)} on day {r.randint(1, 300)}. " \
                    f"Then {nm} trades {r.randint(2, 99)} {ob} with {word(r)} for {r.randint(2, 50)} {word(r)}. How many {ob} remain with {nm} now?"
                f.write(json.dumps({"question": q, "answer": f"#### {r.randint(1, 999)}"}) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), sys.argv[3])
    elif cmd == "datasketch":
        datasketch(sys.argv[2])
    elif cmd == "score":
        score(sys.argv[2], sys.argv[3])
    elif cmd == "bench":
        bench(sys.argv[2], int(sys.argv[3]))
