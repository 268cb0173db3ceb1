#!/usr/bin/env python3
"""PyTorch float64 reference of the differential test (scripts/torch/diff.ts).

Reads one JSON request on stdin, {"ops": {name: torch expression}, "cases": [{"name", "program"}]},
runs every program with PyTorch, and writes {"outcomes": [{"results": {...}, "error"?: str}]} on
stdout, one outcome per case in order. The programs and their results are described in
scripts/torch/program.ts; this file is the same interpreter as chainrule-runner.ts, over torch.
One process serves the whole run, and nothing here touches the network.
"""
import json
import math
import re
import sys
import warnings

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
# reading .grad of a non-leaf warns; the programs only read it where it is retained
warnings.filterwarnings("ignore")


# ------------------------------------------------------------------ encoding (see program.ts)

def decode_num(v):
    return float(v)  # float() reads 'nan', 'inf', '-inf' and '-0' too


def encode_num(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


def decode(e, requires_grad=False):
    t = torch.tensor([decode_num(v) for v in e["data"]], dtype=torch.float64).reshape(e["shape"])
    return t.requires_grad_(requires_grad)


def encode(t):
    if t is None:
        return None
    t = t.detach()
    if t._is_zerotensor():
        # some 1.13 backward formulas (abs's second derivative) return a ZeroTensor, which has no storage to read
        t = torch.zeros(t.shape)
    if t.dtype != torch.float64:
        t = t.double()
    return {"shape": list(t.shape), "data": [encode_num(v) for v in t.reshape(-1).tolist()]}


# ------------------------------------------------------------------ helpers the op table's expressions use

def dims(a, p):
    """The reduction axes of a reduce op's params: every axis when None (chainrule's default)."""
    return list(range(a.dim())) if p["axes"] is None else p["axes"]


def slice_(a, p):
    """chainrule's slice(axis, start, end, step), which follows Python's slicing rules."""
    index = [slice(None)] * a.dim()
    index[p["axis"]] = slice(p["start"], p["end"], p["step"])
    return a[tuple(index)]


ENV = {"torch": torch, "F": F, "dims": dims, "slice_": slice_}


def mha(xs, p):
    """ops-conv.ts's multiheadAttention row: F.multi_head_attention_forward as nn.MultiheadAttention.forward
    calls it (batch-first inputs transposed keeping query, key and value the same tensor where they are),
    its output and, when asked for, its weights flattened into one tensor."""
    q, k, v, *rest = xs
    rest = list(rest)
    separate = p["mode"] == "kvdim"
    q_w, k_w, v_w = (rest.pop(0), rest.pop(0), rest.pop(0)) if separate else (None, None, None)
    in_w = None if separate else rest.pop(0)
    in_b = rest.pop(0) if p["bias"] else None
    out_w = rest.pop(0)
    out_b = rest.pop(0) if p["bias"] else None
    if p["batchFirst"] and p["batched"]:
        if k is v:
            if q is k:
                q = k = v = q.transpose(1, 0)
            else:
                q, k = [x.transpose(1, 0) for x in (q, k)]
                v = k
        else:
            q, k, v = [x.transpose(1, 0) for x in (q, k, v)]
    mask, kpm = mha_masks(p, q.shape[0], k.shape[0])
    out, weights = F.multi_head_attention_forward(
        q, k, v, out_w.shape[0], p["numHeads"], in_w, in_b, None, None, False, 0.0, out_w, out_b,
        training=False, key_padding_mask=kpm, need_weights=p["needWeights"], attn_mask=mask,
        use_separate_proj_weight=separate, q_proj_weight=q_w, k_proj_weight=k_w, v_proj_weight=v_w,
        average_attn_weights=p["averageAttnWeights"])
    if p["batchFirst"] and p["batched"]:
        out = out.transpose(1, 0)
    return out.reshape(-1) if weights is None else torch.cat([out.reshape(-1), weights.reshape(-1)])


def mha_masks(p, L, S):
    """The attention mask PyTorch takes for the row's masks: bool where not allowed (attnMask, isCausal),
    or float with -inf there when an additive attnBias is given too; and the key padding mask."""
    mask = None if p["attnMask"] is None else torch.tensor(p["attnMask"]) != 0
    if p["isCausal"]:
        causal = torch.triu(torch.ones(L, S, dtype=torch.bool), 1)
        mask = causal if mask is None else mask | causal
    if p["attnBias"] is not None:
        bias = torch.tensor(p["attnBias"])
        mask = bias if mask is None else bias.masked_fill(mask, float("-inf"))
    kpm = None if p["keyPaddingMask"] is None else torch.tensor(p["keyPaddingMask"]) != 0
    return mask, kpm


def use_tensors(module, names, tensors):
    """Replaces the module's parameters `names` by the case's leaves, so gradients reach them."""
    for name, t in zip(names, tensors):
        delattr(module, name)
        setattr(module, name, t)


def conv_layer(xs, p):
    """ops-conv.ts's Conv1d/Conv2d rows: torch.nn.Conv1d/Conv2d (with padding_mode) over the case's weight and bias."""
    x, w = xs[0], xs[1]
    cls = torch.nn.Conv2d if w.dim() == 4 else torch.nn.Conv1d
    m = cls(w.shape[1] * p["groups"], w.shape[0], p["kernel"], stride=p["stride"], padding=p["padding"], dilation=p["dilation"],
            groups=p["groups"], bias=p["bias"], padding_mode=p["paddingMode"])
    use_tensors(m, ["weight", "bias"] if p["bias"] else ["weight"], xs[1:])
    return m(x)


def mha_layer(xs, p):
    """ops-conv.ts's MultiheadAttention row: torch.nn.MultiheadAttention over the case's parameters."""
    q, k, v, *rest = xs
    m = torch.nn.MultiheadAttention(q.shape[-1], p["numHeads"], bias=p["bias"], batch_first=p["batchFirst"], kdim=k.shape[-1], vdim=v.shape[-1])
    names = ["q_proj_weight", "k_proj_weight", "v_proj_weight"] if p["mode"] == "kvdim" else ["in_proj_weight"]
    if p["bias"]:
        names.append("in_proj_bias")
    use_tensors(m, names, rest[:len(names)])
    use_tensors(m.out_proj, ["weight", "bias"] if p["bias"] else ["weight"], rest[len(names):])
    seq = 1 if p["batchFirst"] and p["batched"] else 0
    mask, kpm = mha_masks(p, q.shape[seq], k.shape[seq])
    out, weights = m(q, k, v, key_padding_mask=kpm, need_weights=p["needWeights"], attn_mask=mask, average_attn_weights=p["averageAttnWeights"])
    return out.reshape(-1) if weights is None else torch.cat([out.reshape(-1), weights.reshape(-1)])


ENV.update(mha=mha, conv_layer=conv_layer, mha_layer=mha_layer)


class Ops:
    """The op table's torch expressions, compiled once."""

    def __init__(self, table):
        self.code = {name: compile(expr, f"<op {name}>", "eval") for name, expr in table.items()}

    def run(self, name, args, params):
        xs = list(args)
        local = {"xs": xs, "p": params, "a": None, "b": None, "c": None}
        for key, value in zip("abc", xs):
            local[key] = value
        return eval(self.code[name], ENV, local)


# ------------------------------------------------------------------ graph programs

def run_graph(program, ops, results):
    env = {}
    value_ids, grad_holders = [], []
    hook_calls = {}

    def observe(name):
        def hook(g):
            k = hook_calls.get(name, 0)
            hook_calls[name] = k + 1
            results[f"grad:hook:{name}#{k}"] = encode(g)
        return hook

    for step in program["steps"]:
        kind = step["kind"]
        if kind == "leaf":
            env[step["id"]] = decode(step["value"], step["requiresGrad"])
            if step["requiresGrad"]:
                grad_holders.append(step["id"])
        elif kind == "op":
            args = [env[a["ref"]] if "ref" in a else decode_num(a["num"]) for a in step["args"]]
            env[step["id"]] = ops.run(step["op"], args, step["params"])
            value_ids.append(step["id"])
        elif kind == "retainGrad":
            t = env[step["id"]]
            if not t.is_leaf:
                t.retain_grad()
            grad_holders.append(step["id"])
        elif kind == "hook":
            h = step["hook"]
            if h["action"] == "scale":
                fn = (lambda factor: lambda g: g * factor)(h["factor"])
            elif h["action"] == "clamp":
                fn = (lambda lo, hi: lambda g: g.clamp(lo, hi))(h["min"], h["max"])
            else:
                fn = observe(h["name"])
            env[step["id"]].register_hook(fn)
        elif kind == "backward":
            seed = decode(step["seed"]) if "seed" in step else None
            env[step["id"]].backward(seed, retain_graph=step.get("retainGraph"), create_graph=bool(step.get("createGraph")))
        elif kind == "gradients":
            seed = [decode(step["seed"])] if "seed" in step else None
            grads = torch.autograd.grad(
                [env[step["output"]]],
                [env[i] for i in step["inputs"]],
                grad_outputs=seed,
                retain_graph=step.get("retainGraph"),
                create_graph=bool(step.get("createGraph")),
                allow_unused=True,
            )
            for i, g in zip(step["ids"], grads):
                env[i] = g
                results[f"grad:{i}"] = encode(g)
        elif kind == "gradOfGrads":
            # the rule program.ts states for both engines: zeros for an input s does not depend on
            s = None
            for gid, w in zip(step["grads"], step["weights"]):
                d = env.get(gid)
                if d is not None:
                    term = (d * decode(w)).sum()
                    s = term if s is None else s + term
            inputs = [env[i] for i in step["inputs"]]
            if s is not None and s.requires_grad:
                # the graph is kept: a first-order backward through the same graph may follow
                grads = torch.autograd.grad([s], inputs, allow_unused=True, retain_graph=True)
            else:
                grads = [None] * len(inputs)
            for i, g, x in zip(step["ids"], grads, inputs):
                env[i] = torch.zeros_like(x) if g is None else g
                results[f"grad:second:{i}"] = encode(env[i])
        elif kind == "readGrad":
            env[step["id"]] = env[step["of"]].grad
        elif kind == "zeroGrad":
            t = env[step["id"]]
            if step["setToNone"]:
                t.grad = None
            elif t.grad is not None:
                # torch.optim.Optimizer.zero_grad(set_to_none=False)
                if t.grad.grad_fn is not None:
                    t.grad.detach_()
                else:
                    t.grad.requires_grad_(False)
                t.grad.zero_()
        elif kind == "record":
            t = env[step["id"]]
            results[f"{step['what']}:{step['key']}"] = encode(t if step["what"] == "value" else t.grad)
        else:
            raise ValueError(f"unknown step {kind}")

    for i in value_ids:
        results[f"value:{i}"] = encode(env[i])
    for i in grad_holders:
        results[f"grad:{i}.grad"] = encode(env[i].grad)


# ------------------------------------------------------------------ training programs

def run_training(program, results):
    layers = program["layers"]
    params = {}  # (layer, field) -> tensor, from chainrule's initial values
    ordered = []
    for entry in program["initial"]:
        t = decode(entry["value"], entry["requiresGrad"])
        params[(entry["layer"], entry["field"])] = t
        ordered.append(t)

    def forward(x):
        for i, layer in enumerate(layers):
            kind = layer["kind"]
            if kind == "dense":
                x = F.linear(x, params[(i, "weight")])
                if (i, "bias") in params:
                    x = x + params[(i, "bias")]
            elif kind == "sigmoid":
                x = torch.sigmoid(x)
            elif kind == "tanh":
                x = torch.tanh(x)
            elif kind == "relu":
                x = torch.relu(x)
        return x

    loss_spec = program["loss"]
    target = program["target"]
    target = torch.tensor(target) if isinstance(target, list) else decode(target)

    def loss_of(out):
        name, reduction = loss_spec["name"], loss_spec["reduction"]
        if name == "mse":
            if reduction == "halfSum":
                return F.mse_loss(out, target, reduction="sum") / 2
            return F.mse_loss(out, target, reduction=reduction)
        if name == "crossEntropy":
            return F.cross_entropy(out, target, reduction=reduction)
        return F.binary_cross_entropy(out, target, reduction=reduction)

    groups = program.get("groups")
    if groups is None:
        params_or_groups = ordered
    else:
        def selects(g, entry):
            return ("layers" not in g or entry["layer"] in g["layers"]) and ("field" not in g or entry["field"] == g["field"])
        params_or_groups = [dict(params=[t for entry, t in zip(program["initial"], ordered) if selects(g, entry)], **options_of(g["options"]))
                            for g in groups]
    opt = make_optimizer(program["optimizer"], params_or_groups)
    schedulers = [make_scheduler(spec, opt) for spec in program.get("schedulers", [])]
    clip = program.get("clip")
    x = decode(program["x"])
    losses, norms, lrs = [], [], [[g["lr"] for g in opt.param_groups]]
    for _ in range(program["steps"]):
        opt.zero_grad(set_to_none=True)  # chainrule's default, as PyTorch 2's
        loss = loss_of(forward(x))
        losses.append(loss.item())
        loss.backward()
        if clip is not None:
            norm = apply_clip(clip, ordered)
            if norm is not None:
                norms.append(norm)
        opt.step()
        for sched in schedulers:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(losses[-1])
            else:
                sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    results["value:loss"] = {"shape": [len(losses)], "data": [encode_num(v) for v in losses]}
    if "schedulers" in program:
        results["value:lr"] = encode(torch.tensor(lrs))
    if clip is not None and clip["kind"] == "norm":
        results["value:clipNorm"] = encode(torch.tensor(norms))
    for i, p in enumerate(ordered):
        results[f"value:param{i}"] = encode(p)
        results[f"grad:param{i}"] = encode(p.grad)


# ------------------------------------------------------------------ module programs

def snake(key):
    """chainrule's camelCase state names as PyTorch's: 'layers.0.runningMean' -> 'layers.0.running_mean'."""
    return ".".join(re.sub(r"([A-Z])", r"_\1", part).lower() for part in key.split("."))


def camel(key):
    """PyTorch's state names in chainrule's camelCase: 'running_mean' -> 'runningMean'."""
    return ".".join(re.sub(r"_([a-z])", lambda m: m.group(1).upper(), part) for part in key.split("."))


class MaskedDropout(torch.nn.Module):
    """torch.nn.Dropout with chainrule's masks (the program's, in the order drawn): x * (mask / (1 - p)),
    which is PyTorch's own CPU dropout (bernoulli_(1 - p) noise divided by 1 - p) given that noise.
    Where PyTorch draws nothing (evaluation, p = 0 or 1), it is F.dropout itself."""

    def __init__(self, p, masks):
        super().__init__()
        self.p = p
        self.masks = masks

    def forward(self, x):
        if not self.training or self.p == 0 or self.p == 1:
            return F.dropout(x, self.p, self.training)
        mask = decode(self.masks.pop(0))
        return x * (mask / (1 - self.p))


class ChainList(torch.nn.ModuleList):
    """A torch.nn.ModuleList (its state names) that applies its modules in order, as the runner applies chainrule's."""

    def forward(self, x):
        for m in self:
            x = m(x)
        return x


class ChainDict(torch.nn.ModuleDict):
    """A torch.nn.ModuleDict (its state names) that applies its modules in insertion order."""

    def forward(self, x):
        for m in self.values():
            x = m(x)
        return x


DETERMINISTIC_INIT = {"batchNorm1d", "batchNorm2d", "layerNorm"}


def build(spec, masks, fixed, prefix):
    """The torch.nn module of a chainrule ModuleSpec (program.ts); `fixed` collects the names of layers with a deterministic init."""
    kind = spec["kind"]
    if kind in DETERMINISTIC_INIT:
        fixed.append(prefix)
    if kind == "linear":
        return torch.nn.Linear(spec["inFeatures"], spec["outFeatures"], bias=spec["bias"])
    if kind in ("batchNorm1d", "batchNorm2d"):
        cls = torch.nn.BatchNorm1d if kind == "batchNorm1d" else torch.nn.BatchNorm2d
        return cls(spec["numFeatures"], eps=spec.get("eps", 1e-5), momentum=spec.get("momentum", 0.1),
                   affine=spec.get("affine", True), track_running_stats=spec.get("trackRunningStats", True))
    if kind == "layerNorm":
        return torch.nn.LayerNorm(spec["normalizedShape"], eps=spec.get("eps", 1e-5), elementwise_affine=spec.get("elementwiseAffine", True))
    if kind == "embedding":
        return torch.nn.Embedding(spec["numEmbeddings"], spec["embeddingDim"], padding_idx=spec.get("paddingIdx"))
    if kind == "dropout":
        return MaskedDropout(spec["p"], masks)
    if kind == "flatten":
        return torch.nn.Flatten(spec.get("startDim", 1), spec.get("endDim", -1))
    if kind == "identity":
        return torch.nn.Identity()
    if kind == "relu":
        return torch.nn.ReLU()
    if kind == "tanh":
        return torch.nn.Tanh()
    join = lambda name: name if prefix == "" else f"{prefix}.{name}"
    if kind == "moduleList":
        return ChainList([build(item, masks, fixed, join(str(i))) for i, item in enumerate(spec["items"])])
    if kind == "moduleDict":
        return ChainDict([(key, build(item, masks, fixed, join(key))) for key, item in spec["entries"]])
    raise ValueError(f"unknown module kind {kind}")


def run_module(program, results):
    masks = list(program.get("masks", []))
    fixed = []
    module = build(program["spec"], masks, fixed, "")
    state = lambda: {camel(k): v for k, v in module.state_dict().items()}
    for key, value in state().items():
        if any(p == "" or key.startswith(p + ".") for p in fixed):
            results[f"value:init:{key}"] = encode(value)
    # chainrule's initial state, strictly: every name must be PyTorch's
    module.load_state_dict({snake(e["key"]): decode(e["value"]) for e in program["initial"]}, strict=True)
    lr = program.get("lr")
    for k, call in enumerate(program["calls"]):
        module.train(call["train"])
        module.zero_grad(set_to_none=True)
        if call.get("indices"):
            x = decode(call["input"]).long()
        else:
            x = decode(call["input"], True)
        out = module(x)
        results[f"value:out#{k}"] = encode(out)
        out.backward(decode(call["seed"]))
        if not call.get("indices"):
            results[f"grad:input#{k}"] = encode(x.grad)
        for name, p in module.named_parameters():
            results[f"grad:{camel(name)}#{k}"] = encode(p.grad)
        if lr is not None:
            with torch.no_grad():
                for p in module.parameters():
                    if p.grad is not None:
                        p -= lr * p.grad
        for key, value in state().items():
            results[f"value:state:{key}#{k}"] = encode(value)
    if masks:
        raise ValueError(f"{len(masks)} dropout masks left unused")
# ------------------------------------------------------------------ optimizers, schedulers, clipping

def snake_option(key):
    """chainrule's camelCase option name as PyTorch's keyword (tMax is T_max)."""
    if key == "tMax":
        return "T_max"
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def options_of(options):
    out = {}
    for key, value in options.items():
        if key == "betas":
            value = tuple(value)
        elif key == "pctStart":
            value = float(value)  # OneCycleLR wants a float; JSON writes 1.0 as 1
        out[snake_option(key)] = value
    return out


OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}
SCHEDULERS = {"stepLR": "StepLR", "multiStepLR": "MultiStepLR", "exponentialLR": "ExponentialLR",
              "cosineAnnealingLR": "CosineAnnealingLR", "linearLR": "LinearLR", "oneCycleLR": "OneCycleLR",
              "reduceLROnPlateau": "ReduceLROnPlateau"}


def make_optimizer(spec, params_or_groups):
    options = {k: v for k, v in spec.items() if k != "name"}
    return OPTIMIZERS[spec["name"]](params_or_groups, **options_of(options))


def make_scheduler(spec, opt):
    if spec["name"] == "sequentialLR":
        schedulers = [make_scheduler(s, opt) for s in spec["schedulers"]]
        return torch.optim.lr_scheduler.SequentialLR(opt, schedulers, spec["milestones"])
    if spec["name"] == "chainedScheduler":
        return torch.optim.lr_scheduler.ChainedScheduler([make_scheduler(s, opt) for s in spec["schedulers"]])
    return getattr(torch.optim.lr_scheduler, SCHEDULERS[spec["name"]])(opt, **options_of(spec["options"]))


def apply_clip(clip, params):
    """torch.nn.utils' clipping; the total norm as a float for a norm clip."""
    if clip["kind"] == "value":
        torch.nn.utils.clip_grad_value_(params, clip["clipValue"])
        return None
    norm_type = decode_num(clip["normType"]) if "normType" in clip else 2.0
    total = torch.nn.utils.clip_grad_norm_(params, clip["maxNorm"], norm_type=norm_type,
                                           error_if_nonfinite=clip.get("errorIfNonfinite", False))
    return total.item()


def run_schedule(program, results):
    groups = [dict(params=[torch.zeros(1, requires_grad=True)], **options_of(g)) for g in program["groups"]]
    opt = make_optimizer(program["optimizer"], groups)
    schedulers = [make_scheduler(spec, opt) for spec in program["schedulers"]]
    has_momentum = "momentum" in opt.defaults or "betas" in opt.defaults

    def momentum(g):
        return g["momentum"] if "momentum" in g else g["betas"][0]

    lrs = [[g["lr"] for g in opt.param_groups]]
    momenta = [[momentum(g) for g in opt.param_groups]] if has_momentum else []
    for t in range(program["steps"]):
        opt.step()
        for sched in schedulers:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(program["metrics"][t])
            else:
                sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        if has_momentum:
            momenta.append([momentum(g) for g in opt.param_groups])
    results["value:lr"] = encode(torch.tensor(lrs))
    if has_momentum:
        results["value:momentum"] = encode(torch.tensor(momenta))


def run_clip(program, results):
    params = []
    for g in program["grads"]:
        if g is None:
            params.append(torch.zeros(1, requires_grad=True))
        else:
            p = torch.zeros(g["shape"], requires_grad=True)
            p.grad = decode(g)
            params.append(p)
    total = apply_clip(program["clip"], params)
    if total is not None:
        results["value:total"] = {"shape": [], "data": [encode_num(total)]}
    for i, p in enumerate(params):
        results[f"grad:g{i}"] = encode(p.grad)


def main():
    request = json.load(sys.stdin)
    ops = Ops(request["ops"])
    outcomes = []
    for case in request["cases"]:
        results = {}
        outcome = {"results": results}
        try:
            program = case["program"]
            if program["type"] == "graph":
                run_graph(program, ops, results)
            elif program["type"] == "module":
                run_module(program, results)
            elif program["type"] == "train":
                run_training(program, results)
            elif program["type"] == "schedule":
                run_schedule(program, results)
            else:
                run_clip(program, results)
        except Exception as e:  # reported per case; the other cases still run
            outcome["error"] = f"{type(e).__name__}: {e}"
        outcomes.append(outcome)
    json.dump({"torch": torch.__version__, "outcomes": outcomes}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
