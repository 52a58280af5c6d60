#!/usr/bin/python3
"""Compare the example pipeline's outputs with the guide's Python / scikit-learn reference.

Run it in a workspace where `keel repro` (or the four stage commands) has run, with Debian's
scikit-learn (`apt-get install python3-sklearn`, then `/usr/bin/python3`):

    /usr/bin/python3 compare_sklearn.py [workspace-dir]

It is a one-off check for developers, not a test: nothing runs it automatically. It checks

1. prepare: the guide's prepare.py logic (random.seed, one random() per line, ElementTree) on
   data/data.xml gives byte-identical data/prepared/{train,test}.tsv;
2. featurize: CountVectorizer(stop_words="english", max_features, ngram_range) picks the same
   vocabulary, and TfidfVectorizer(vocabulary=ours, smooth_idf=False) gives the same matrices
   (max absolute difference);
3. train/evaluate: RandomForestClassifier(n_estimators, min_samples_split, max_features="sqrt",
   random_state=train.seed) fitted on our training features gives the same trees, the same
   test probabilities, importances, avg_prec and roc_auc; and scikit-learn's metric functions
   applied to our probabilities give our metrics.json and plot files.
"""
import io
import json
import os
import random
import re
import sys
import time
import xml.etree.ElementTree

import numpy as np
import scipy.sparse as sp
import sklearn
import yaml
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

POSITIVE_TAGS = ["<r>", "<spam>"]


def guide_prepare(data_file, split, seed):
    """The guide's src/prepare.py, returning the two TSV texts (target tag widened as in prepare.ts)."""
    random.seed(seed)
    out = {"train": io.StringIO(), "test": io.StringIO()}
    with io.open(data_file, encoding="utf8") as fd_in:
        for line in fd_in:
            try:
                fd_out = out["train"] if random.random() > split else out["test"]
                attr = xml.etree.ElementTree.fromstring(line).attrib
                pid = attr.get("Id", "")
                label = 1 if any(t in attr.get("Tags", "") for t in POSITIVE_TAGS) else 0
                title = re.sub(r"\s+", " ", attr.get("Title", "")).strip()
                body = re.sub(r"\s+", " ", attr.get("Body", "")).strip()
                text = title + " " + body
                fd_out.write("{}\t{}\t{}\n".format(pid, label, text))
            except Exception:
                pass
    return out["train"].getvalue(), out["test"].getvalue()


def read_tsv(path):
    ids, labels, texts = [], [], []
    with io.open(path, encoding="utf8", newline="\n") as f:
        for line in f.read().split("\n"):
            if line == "":
                continue
            pid, label, text = line.split("\t", 2)
            ids.append(pid)
            labels.append(int(label))
            texts.append(text)
    return ids, np.array(labels), texts


def read_features(path):
    with open(path, encoding="utf8") as f:
        d = json.load(f)
    m = sp.csr_matrix((d["data"], d["indices"], d["indptr"]), shape=tuple(d["shape"]))
    return d, m


def predict_json(forest, X):
    """predict_proba from model/forest.json: each tree's leaf class weights, normalised, averaged."""
    X = X.astype(np.float32)
    out = np.zeros((X.shape[0], 2))
    for t in forest["trees"]:
        left = np.array(t["children_left"])
        right = np.array(t["children_right"])
        feat = np.array(t["feature"])
        thr = np.array(t["threshold"])
        value = np.array(t["value"], dtype=np.float64)
        node = np.zeros(X.shape[0], dtype=np.int64)
        while True:
            inner = left[node] != -1
            if not inner.any():
                break
            idx = np.where(inner)[0]
            go_left = X[idx, feat[node[idx]]] <= thr[node[idx]]
            node[idx] = np.where(go_left, left[node[idx]], right[node[idx]])
        v = value[node]
        norm = v.sum(axis=1, keepdims=True)
        norm[norm == 0.0] = 1.0
        out += v / norm
    return out / len(forest["trees"])


def section(title):
    print()
    print("== " + title)


def main():
    ws = sys.argv[1] if len(sys.argv) > 1 else "."
    os.chdir(ws)
    params = yaml.safe_load(open("params.yaml"))
    print("scikit-learn", sklearn.__version__, "numpy", np.__version__, "in", os.getcwd())
    ok = True

    # ------------------------------------------------------------------ prepare
    section("prepare")
    tr, te = guide_prepare("data/data.xml", params["prepare"]["split"], params["prepare"]["seed"])
    ours_tr = io.open("data/prepared/train.tsv", encoding="utf8", newline="").read()
    ours_te = io.open("data/prepared/test.tsv", encoding="utf8", newline="").read()
    same = tr == ours_tr and te == ours_te
    ok &= same
    print("train.tsv / test.tsv identical to the guide's prepare.py output:", same,
          "(%d / %d rows)" % (tr.count("\n"), te.count("\n")))

    # ------------------------------------------------------------------ featurize
    section("featurize")
    mf = params["featurize"]["max_features"]
    ng = params["featurize"]["ngrams"]
    _, y_train, train_texts = read_tsv("data/prepared/train.tsv")
    _, y_test, test_texts = read_tsv("data/prepared/test.tsv")
    train_lower = [t.lower() for t in train_texts]
    test_lower = [t.lower() for t in test_texts]
    ftr, Xtr = read_features("data/features/train.json")
    fte, Xte = read_features("data/features/test.json")
    vocab = ftr["feature_names"]

    cv = CountVectorizer(stop_words="english", max_features=mf, ngram_range=(1, ng))
    counts = cv.fit_transform(train_lower)
    sk_vocab = list(cv.get_feature_names_out())
    same_vocab = sk_vocab == vocab
    print("vocabulary (max_features=%d, ngrams=%d) identical to CountVectorizer's:" % (mf, ng), same_vocab)
    if not same_vocab:
        only_sk = sorted(set(sk_vocab) - set(vocab))
        only_ours = sorted(set(vocab) - set(sk_vocab))
        print("  only scikit-learn's:", only_sk[:10], " only ours:", only_ours[:10],
              "(ties in total count at the cut-off are broken differently)")
    tfidf_sk_pipeline = TfidfTransformer(smooth_idf=False).fit(counts)

    tv = TfidfVectorizer(vocabulary=vocab, stop_words="english", ngram_range=(1, ng), smooth_idf=False)
    Str = tv.fit_transform(train_lower)
    Ste = tv.transform(test_lower)
    d_tr = abs(Str - Xtr).max()
    d_te = abs(Ste - Xte).max()
    print("TfidfVectorizer(vocabulary=ours, smooth_idf=False) vs our matrices: max |diff| train %.3g, test %.3g"
          % (d_tr, d_te))
    idf_ours = json.load(open("data/features/vectorizer.json"))["idf"]
    print("idf max |diff|: %.3g" % np.max(np.abs(tv.idf_ - np.array(idf_ours))))
    ok &= d_tr < 1e-9 and d_te < 1e-9
    if same_vocab:
        d_pipe = abs(tfidf_sk_pipeline.transform(cv.transform(test_lower)) - Xte).max()
        print("the guide's CountVectorizer+TfidfTransformer on test vs ours: max |diff| %.3g" % d_pipe)

    # ------------------------------------------------------------------ train / evaluate
    section("train + evaluate")
    tp = params["train"]
    t0 = time.perf_counter()
    clf = RandomForestClassifier(n_estimators=tp["n_est"], min_samples_split=tp["min_split"],
                                 max_features="sqrt", random_state=tp["seed"])
    clf.fit(Xtr.toarray(), np.array(ftr["labels"]))
    t1 = time.perf_counter()
    proba_sk = clf.predict_proba(Xte.toarray())[:, 1]
    print("scikit-learn fit: %.2f s" % (t1 - t0))

    forest = json.load(open("model/forest.json"))
    same_trees = all(
        len(t["feature"]) == est.tree_.node_count
        and list(t["feature"]) == list(est.tree_.feature)
        and list(t["children_left"]) == list(est.tree_.children_left)
        and np.array_equal(np.array(t["threshold"]), est.tree_.threshold)
        for t, est in zip(forest["trees"], clf.estimators_)
    ) and len(forest["trees"]) == len(clf.estimators_)
    print("trees identical (structure, features, thresholds):", same_trees,
          "(nodes ours %d, scikit-learn %d)" % (sum(len(t["feature"]) for t in forest["trees"]),
                                                sum(e.tree_.node_count for e in clf.estimators_)))
    imp_d = np.max(np.abs(clf.feature_importances_ - np.array(forest["feature_importances"])))
    print("feature_importances_ max |diff|: %.3g" % imp_d)

    metrics = json.load(open("evaluation/metrics.json"))
    ap_sk = average_precision_score(y_test, proba_sk)
    auc_sk = roc_auc_score(y_test, proba_sk)
    print("scikit-learn forest:  avg_prec %.6f  roc_auc %.6f" % (ap_sk, auc_sk))
    print("keel example forest:  avg_prec %.6f  roc_auc %.6f" % (metrics["avg_prec"], metrics["roc_auc"]))
    d_ap = abs(ap_sk - metrics["avg_prec"])
    d_auc = abs(auc_sk - metrics["roc_auc"])
    print("difference:           avg_prec %.3g  roc_auc %.3g  (must be <= 0.02)" % (d_ap, d_auc))
    ok &= d_ap <= 0.02 and d_auc <= 0.02

    # our forest's probabilities, from model/forest.json (float32 features, as scikit-learn)
    proba_ours = predict_json(forest, Xte.toarray())
    d_p = np.max(np.abs(proba_ours[:, 1] - proba_sk))
    print("test probabilities, ours vs scikit-learn: max |diff| %.3g" % d_p)
    ap_ours = average_precision_score(y_test, proba_ours[:, 1])
    auc_ours = roc_auc_score(y_test, proba_ours[:, 1])
    same_metrics = ap_ours == metrics["avg_prec"] and auc_ours == metrics["roc_auc"]
    print("metrics.json equals scikit-learn's metric functions on our probabilities:", same_metrics,
          "(|diff| %.3g, %.3g)" % (abs(ap_ours - metrics["avg_prec"]), abs(auc_ours - metrics["roc_auc"])))
    ok &= abs(ap_ours - metrics["avg_prec"]) < 1e-12 and abs(auc_ours - metrics["roc_auc"]) < 1e-12

    roc = json.load(open("evaluation/plots/sklearn/roc.json"))["roc"]
    fpr, tpr, thr = roc_curve(y_test, proba_ours[:, 1])
    same_roc = len(roc) == len(fpr) and all(
        p["fpr"] == a and p["tpr"] == b and p["threshold"] == c for p, a, b, c in zip(roc, fpr, tpr, thr))
    print("roc.json equals roc_curve(y, our probabilities):", same_roc, "(%d points)" % len(roc))
    ok &= same_roc

    prc = json.load(open("evaluation/plots/prc.json"))["prc"]
    precision, recall, prc_thr = precision_recall_curve(y_test, proba_ours[:, 1])
    # the guide's scikit-learn 1.1.3 starts the curve at the highest threshold with full recall;
    # from 1.2 on it goes on down to the lowest score: compare on the common part
    full = [(p, r, t) for p, r, t in zip(precision, recall, prc_thr)]
    start = max(i for i, (p, r, t) in enumerate(full) if r == 1.0)
    full = full[start:]
    nth = int(np.ceil(len(full) / 1000))
    want = full[::nth]
    same_prc = [(q["precision"], q["recall"], q["threshold"]) for q in prc] == [tuple(map(float, x)) for x in want]
    print("prc.json equals precision_recall_curve (from full recall, every %d-th point):" % nth, same_prc,
          "(%d points)" % len(prc))
    ok &= same_prc

    cm = json.load(open("evaluation/plots/sklearn/confusion_matrix.json"))
    pred_sk = clf.predict_proba(Xte.toarray()).argmax(-1)
    same_cm = [(int(r["actual"]), int(r["predicted"])) for r in cm] == list(zip(y_test.tolist(), pred_sk.tolist()))
    print("confusion_matrix.json equals (y, argmax of scikit-learn's predict_proba):", same_cm)
    ok &= same_cm

    print()
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
