#!/usr/bin/env python3
"""The reference server for keel's serving bench (bench/serve.mjs): the example's pipeline in
scikit-learn, served the way MLEM served it (FastAPI + uvicorn, one process).

    python3 bench/serve/sklearn_server.py <train.tsv> <port>

Trains TfidfVectorizer(max_features=100, ngram_range=(1, 1), stop_words="english",
smooth_idf=False) + RandomForestClassifier(n_estimators=50, min_samples_split=2,
random_state=20170428) on the example's prepared train split (id, label, text; no header), then
serves `POST /predict` with `{"data": ["text", ...]}` → `[label, ...]` (and `/predict_proba`) on
127.0.0.1:<port>, like MLEM's FastAPI server: a pydantic request model, a plain (sync) handler
that FastAPI runs in its thread pool, and no access log. Prints "ready <port>" on stderr once
listening. Debian 12's python3-fastapi 0.92 / python3-uvicorn 0.17 / python3-sklearn 1.2.
"""
import csv
import sys
import time
from typing import List

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline


def load(path):
    labels, texts = [], []
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 3:
                continue
            labels.append(int(row[1]))
            texts.append("\t".join(row[2:]))
    return texts, labels


def main():
    train, port = sys.argv[1], int(sys.argv[2])
    t0 = time.time()
    texts, labels = load(train)
    model = Pipeline([
        ("tfidf", TfidfVectorizer(max_features=100, ngram_range=(1, 1), stop_words="english", smooth_idf=False)),
        ("forest", RandomForestClassifier(n_estimators=50, min_samples_split=2, random_state=20170428)),
    ])
    model.fit(texts, labels)
    print(f"trained on {len(texts)} rows in {time.time() - t0:.1f} s", file=sys.stderr)

    class Request(BaseModel):
        data: List[str]

    app = FastAPI(title="spam-classifier (scikit-learn reference)")

    @app.post("/predict")
    def predict(req: Request) -> List[int]:
        return [int(x) for x in model.predict(req.data)]

    @app.post("/predict_proba")
    def predict_proba(req: Request) -> List[List[float]]:
        return model.predict_proba(req.data).tolist()

    @app.on_event("startup")
    async def ready():
        print(f"ready {port}", file=sys.stderr, flush=True)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
