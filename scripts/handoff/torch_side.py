#!/usr/bin/env python3
"""PyTorch's half of the hand-off check (scripts/handoff/check.ts). float64 throughout.

Reads one JSON request on stdin with the working directory, and writes one JSON reply on stdout:

1. chainrule -> PyTorch: reads the safetensors file chainrule wrote (by hand: an 8-byte little-endian
   length, JSON, raw bytes; the `safetensors` package is used instead when it is installed), loads it
   into the equivalent torch.nn model with load_state_dict(strict=True), and returns its outputs.
2. PyTorch -> chainrule: builds and trains two torch.nn models (an MLP, and a module of assorted
   ops), writes each with torch.onnx.export
   (opset 17, dynamic batch) and its state dict as safetensors, returns its outputs on test inputs,
   then trains it further with Adam and returns the final parameters and outputs, for chainrule to
   reproduce from the exported files. Also writes modules of indexing, sorting and shape ops
   (Gather, Slice with negative steps, TopK, ArgMax, Split, Tile, Trilu, Pad, OneHot, Einsum, ...) and of
   math ops (Sin, Erf, Round, LeakyRelu, CumSum, ReduceProd, ReduceL1, ...) with torch.onnx.export, and
   returns their outputs, for chainrule's importOnnx and ONNX Runtime.
3. Runs onnx.checker (full check, with shape inference) on every .onnx file chainrule wrote.
Nothing here touches the network.
"""
import glob
import json
import os
import struct
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)

DTYPES = {"F64": torch.float64, "F32": torch.float32}


def read_safetensors(path):
    """(state dict, metadata) of a safetensors file, read with struct and json."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    state = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        chunk = bytearray(data[begin:end])
        t = torch.frombuffer(chunk, dtype=dtype) if len(chunk) > 0 else torch.empty(0, dtype=dtype)
        state[name] = t.reshape(info["shape"]).clone()
    return state, meta


def write_safetensors(path, state, meta):
    """Writes a state dict as the reference library does: F64 before F32, then by name; header padded to 8."""
    names = {torch.float64: "F64", torch.float32: "F32"}
    items = sorted(state.items(), key=lambda kv: (-kv[1].element_size(), kv[0].encode("utf-8")))
    header = {"__metadata__": meta} if meta else {}
    blobs, offset = [], 0
    for name, t in items:
        b = t.detach().contiguous().cpu().numpy().astype("<f8" if t.dtype == torch.float64 else "<f4").tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_state(path):
    try:
        from safetensors.torch import load_file  # the real library, where installed
        return load_file(path), "safetensors"
    except ImportError:
        state, _ = read_safetensors(path)
        return state, "struct+json"


def flat(t):
    return t.detach().reshape(-1).tolist()


def from_chainrule(req):
    state, reader = load_state(os.path.join(req["dir"], req["chainrule"]["file"]))
    _, meta = read_safetensors(os.path.join(req["dir"], req["chainrule"]["file"]))
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    model.load_state_dict(state, strict=True)
    x = torch.tensor(req["chainrule"]["x"]).reshape(req["chainrule"]["xShape"])
    with torch.no_grad():
        y = model(x)
    return {"reader": reader, "metadata": meta, "y": flat(y), "keys": sorted(state.keys())}


class Mixed(nn.Module):
    """A model of assorted ops, to see how torch.onnx.export writes them (Constant inputs, Clip, Pow, ReduceMean, MatMul)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.scale = nn.Parameter(torch.randn(6))
        self.proj = nn.Parameter(torch.randn(6, 3) * 0.5)

    def forward(self, x):
        h = torch.sigmoid(self.fc(x)) * self.scale
        h = torch.clamp(h, -0.5, 0.5) + torch.exp(-h.abs()) / (1.0 + h * h)
        h = h - h.mean(dim=1, keepdim=True)
        y = h @ self.proj
        return torch.softmax(y, dim=1) + torch.relu(y).pow(2) - torch.sqrt(y * y + 1.0)


MODELS = {
    "mlp": lambda: nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(dim=1)),
    "mixed": Mixed,
}


def to_chainrule(req):
    d = req["dir"]
    spec = req["torch"]
    out = {}
    for name, make in MODELS.items():
        torch.manual_seed(spec["seed"])
        model = make().double()
        X = torch.randn(32, 4)
        Y = torch.randn(32, 3)
        opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
        for _ in range(spec["pretrainSteps"]):
            opt.zero_grad()
            F.mse_loss(model(X), Y).backward()
            opt.step()
        model.eval()
        torch.onnx.export(
            model, X[:2], os.path.join(d, f"torch-{name}.onnx"), opset_version=17, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        )
        write_safetensors(os.path.join(d, f"torch-{name}.safetensors"), model.state_dict(), {"format": "pt"})
        x_test = torch.randn(7, 4)
        with torch.no_grad():
            y_before = model(x_test)
        # fine-tune a few steps with a fresh Adam, as chainrule will from the exported files
        opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
        for _ in range(spec["steps"]):
            opt.zero_grad()
            F.mse_loss(model(X), Y).backward()
            opt.step()
        with torch.no_grad():
            y_after = model(x_test)
        out[name] = {
            "X": flat(X), "Y": flat(Y), "xTest": flat(x_test),
            "yBefore": flat(y_before), "yAfter": flat(y_after),
            "final": {k: flat(v) for k, v in model.state_dict().items()},
        }
    return {"models": out, "ops": ops_for_chainrule(req), "torch": torch.__version__}


class IndexOps(nn.Module):
    """Indexing as torch.onnx.export writes it: Gather (index_select, a picked column), Slice (steps, flip's negative step), Where, Sign, Not(Equal)."""

    def forward(self, x):
        a = x.index_select(1, torch.tensor([5, 0, 2]))
        b = x[:, 1]
        c = x[:, 1:5:2]
        d = x.flip(1)[:, :3]
        e = x.masked_fill(x > 0.5, -1.0)[:, 2:5]
        return a + b[:, None] + c.sum(1, keepdim=True) + d + e + torch.sign(x[:, :3]) + (x[:, :3] != x[:, 3:]).double()


class SortOps(nn.Module):
    """Search and sort: TopK (topk, sort), ArgMax, ReduceMax with ArgMax (max along a dim); positions cast to float64."""

    def forward(self, x):
        v, i = torch.topk(x, 3, dim=1)
        s, j = torch.sort(x, dim=1)
        am = torch.argmin(x, dim=1, keepdim=True)
        mx, mi = torch.max(x, dim=1, keepdim=True)
        return v + i.double() + s[:, :3] + j[:, 3:].double() + am.double() + mx + mi.double()


class ShapeOps(nn.Module):
    """Split (split, chunk), Tile (repeat), Trilu, Pad (reflect, edge, constant), OneHot, Einsum, and an Embedding's Gather."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4)

    def forward(self, x):
        p, q = torch.split(x, [2, 4], dim=1)
        _, r2, _ = x.chunk(3, dim=1)
        m = x[:, :4].reshape(-1, 2, 2)
        tri = (torch.tril(m) + torch.triu(m, 1) * 2).reshape(-1, 4)
        reflect = F.pad(p.unsqueeze(1), (1, 1), mode="reflect")[:, 0]
        edge = F.pad(p.unsqueeze(1), (2, 0), mode="replicate")[:, 0]
        const = F.pad(p, (1, 1), value=0.25)
        hot = F.one_hot(torch.argmax(q, dim=1), 4).double()
        outer = torch.einsum("bi,bj->bij", p, p).reshape(-1, 4)
        looked = self.emb(torch.argmax(x, dim=1))
        return q + p.repeat(1, 2) + tri + reflect + edge + const + hot + outer + r2.repeat(1, 2) + looked


class MathOps(nn.Module):
    """Math ops as torch.onnx.export writes them, all with float64 kernels in ONNX Runtime: Sin, Cos, Log(Add) for log1p,
    Log/Div for log2 and log10, Sqrt/Div for rsqrt, Reciprocal, Floor, Ceil, Round, LeakyRelu, Clip (hardtanh, relu6),
    var and std (ReduceMean, Shape, Gather, ReduceProd, Cast, ...), ReduceL1, Mul/ReduceSum/Sqrt (the 2-norm),
    Abs/ReduceMax (the inf-norm), ReduceProd and CumSum. The results are concatenated,
    not added, so that each is compared on its own. LeakyRelu's slope is 0.25: torch writes it as a float32 attribute,
    which would hold 0.01 only to 2e-8. Left out: relu6, which torch writes as Relu then Clip, which ONNX Runtime 1.30's
    Relu-Clip fusion refuses to load in float64; the 3-norm, whose exponent 1/3 torch writes as a float32 constant (the
    file's result is 3e-8 from torch's own)."""

    def forward(self, x):
        a = x.abs() + 0.5
        parts = [
            torch.sin(x), torch.cos(x), torch.log1p(a), torch.log2(a), torch.log10(a), torch.rsqrt(a), torch.reciprocal(a),
            torch.floor(x * 3), torch.ceil(x * 3), torch.round(x * 4), F.leaky_relu(x, 0.25), F.hardtanh(x), F.hardtanh(x * 5, 0.0, 6.0),
            x.var(1, keepdim=True), x.std(1, keepdim=True, unbiased=False), x.norm(p=1, dim=1, keepdim=True), x.norm(dim=1, keepdim=True),
            torch.linalg.vector_norm(x, ord=float("inf"), dim=1, keepdim=True), x.prod(1, keepdim=True), x.cumsum(1),
        ]
        return torch.cat(parts, dim=1)


class MathOps32(nn.Module):
    """torch.onnx.export's Tan, Asin, Acos, Atan, Erf, gelu (Div, Erf, Add, Mul), Softplus (beta 2: Mul, Softplus, Div),
    Elu and mish (Softplus, Tanh, Mul), which ONNX Runtime runs in float32 only. (selu is left out: torch writes Selu
    without attributes, so with ONNX's float32 defaults, 1e-8 from its own float64 constants.)"""

    def forward(self, x):
        t = torch.tanh(x) * 0.9
        parts = [
            torch.tan(x * 0.5), torch.asin(t), torch.acos(t), torch.atan(x), torch.erf(x), F.gelu(x), F.softplus(x, beta=2),
            F.elu(x, alpha=0.5), F.mish(x),
        ]
        return torch.cat(parts, dim=1)


# name: (module, whether ONNX Runtime needs a float32 copy of the file)
IMPORTS = {"index": (IndexOps, False), "sort": (SortOps, False), "shape": (ShapeOps, False), "math": (MathOps, False), "math32": (MathOps32, True)}


def ops_for_chainrule(req):
    """Modules of indexing, sorting, shape and math ops written by torch.onnx.export (opset 17, dynamic batch), with their
    outputs; for the modules of ops ONNX Runtime has no float64 kernels for, also a float32 copy of the file."""
    d = req["dir"]
    out = {}
    for name, (make, float32) in IMPORTS.items():
        torch.manual_seed(req["torch"]["seed"])
        model = make().double().eval()
        x = torch.randn(5, 6)
        export = dict(opset_version=17, input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        torch.onnx.export(model, x[:2], os.path.join(d, f"torch-ops-{name}.onnx"), **export)
        if float32:
            torch.onnx.export(model.float(), x[:2].float(), os.path.join(d, f"torch-ops-{name}-f32.onnx"), **export)
            model.double()
        with torch.no_grad():
            y = model(x)
        out[name] = {"x": flat(x), "xShape": list(x.shape), "y": flat(y), "float32": float32}
    return out


def check_onnx(req):
    import onnx
    checked, failures = 0, []
    for path in sorted(glob.glob(os.path.join(req["dir"], "chainrule-*.onnx"))):
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
            checked += 1
        except Exception as e:  # report every failure, not only the first
            failures.append(f"{os.path.basename(path)}: {e}")
    return {"checked": checked, "failures": failures, "onnx": onnx.__version__}


def main():
    req = json.loads(sys.stdin.read())
    reply = {"fromChainrule": from_chainrule(req), "toChainrule": to_chainrule(req), "checker": check_onnx(req)}
    sys.stdout.write(json.dumps(reply))


if __name__ == "__main__":
    main()
