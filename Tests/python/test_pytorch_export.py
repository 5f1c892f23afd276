#!/usr/bin/env python3
"""`netc export-pytorch` against PyTorch itself.

For each network of Specs/ (guards.net's excepted): the exported module's
state_dict has netc's tensor names and shapes; the module, initialised by
torch, is saved with safetensors.torch.save_file and loaded by the generated
model (netc-parity); both predict one batch and take 20 training steps on the
same batches; the losses and the trained parameters must agree, and the
generated model's saved file must load strictly into a fresh module. Prints
each network's largest relative difference. A network with dropout is
compared in inference only (the two sides draw different masks).

Also: every attribute of torch.nn.Module is refused as a layer name.

Needs torch, numpy and safetensors; without them it says so and exits 0.

    python3 Tests/python/test_pytorch_export.py .build/debug/netc .build/release/netc-parity
"""
import importlib.util
import inspect
import os
import subprocess
import sys
import tempfile

try:
    import numpy  # noqa: F401 (safetensors.torch needs it on some versions)
    import torch
    from safetensors.torch import load_file, save_file
except ImportError as missing:
    print(f"test_pytorch_export: skipped ({missing.name} is not installed)")
    sys.exit(0)

SPECS = {
    "xor.net": ["XOR"], "iris.net": ["Iris"], "binary.net": ["Binary"], "regression.net": ["Regressor"],
    "scheduled.net": ["Scheduled"], "softmax-standalone.net": ["SoftmaxSE"], "two-towers.net": ["TwoTowers"],
    "wide-joins.net": ["WideJoins"], "image-mlp.net": ["ImageMLP"], "mnist-mlp.net": ["MnistMLP"],
    "conv-layers.net": ["ConvLayers", "Sequence", "Tokens", "Spatial", "Grouped", "Instance"], "interchange.net": ["Margins", "Tags", "Labels"], "digits-cnn.net": ["DigitsCNN"], "mnist-cnn.net": ["MnistCNN"],
    "float-convs.net": ["FloatConvs", "Separable"], "smooth.net": ["Smooth", "Piecewise"], "robust.net": ["Robust", "Median"],
    "autoencoder.net": ["Autoencoder", "Stretch", "Bilinear", "Deconv", "Unstretch", "Unflatten"], "segmentation.net": ["Segmenter", "Tagger", "Partial"], "sequences.net": ["Sentiment", "Forecast", "Recurrent", "Temporal"],
    "attention.net": ["Encoder", "Causal", "Padded", "Masked"],
}
STEPS = 20
# Largest relative difference accepted: the two sides add in different orders.
TOLERANCE = {torch.float64: 1e-9, torch.float32: 2e-4}


def export(netc, spec, directory):
    path = os.path.join(directory, spec.replace(".net", "").replace("-", "_") + ".py")
    subprocess.run([netc, "export-pytorch", os.path.join("Specs", spec), "-o", path], check=True)
    loaded = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def batches(cls, generator):
    shape = (STEPS, cls.batch_size) + cls.input_shape
    if cls.input_ids is not None:
        inputs = torch.randint(0, cls.input_ids, shape, generator=generator).to(cls.dtype)
    else:
        inputs = torch.randn(shape, generator=generator, dtype=cls.dtype)
    n = cls.target_count
    if cls.targets == "one_hot":
        # A class at each position (one for a vector), channels first: class c of position p at c·P + p.
        # With ignore_label, one draw in k + 1 is unlabelled: an all-zero row.
        p, k = cls.class_positions, n // cls.class_positions
        unlabelled = int(cls.ignore_label is not None)
        labels = torch.randint(0, k + unlabelled, (STEPS, cls.batch_size, p), generator=generator)
        rows = torch.nn.functional.one_hot(labels, k + unlabelled)[..., :k]
        targets = rows.transpose(2, 3).reshape(STEPS, cls.batch_size, n).to(cls.dtype)
    elif cls.targets == "probabilities":
        targets = torch.rand((STEPS, cls.batch_size, n), generator=generator, dtype=cls.dtype)
        if n > 1:
            targets = targets / targets.sum(2, keepdim=True)
    else:
        targets = torch.randn((STEPS, cls.batch_size, n), generator=generator, dtype=cls.dtype)
    return inputs.contiguous(), targets.contiguous()


def relative(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / max(b.abs().max().item(), 1e-12)).item()


def compare(netc_parity, cls, directory):
    torch.manual_seed(1)
    model = cls()
    keys = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    weights = os.path.join(directory, cls.__name__ + ".safetensors")
    save_file(model.state_dict(), weights)  # num_batches_tracked included: netc ignores it
    inputs, targets = batches(cls, torch.Generator().manual_seed(2))
    data = os.path.join(directory, cls.__name__ + ".data.safetensors")
    save_file({"input": inputs, "target": targets}, data)
    out = os.path.join(directory, cls.__name__)
    os.makedirs(out)
    subprocess.run([netc_parity, cls.__name__, weights, data, out], check=True)
    results = load_file(os.path.join(out, "results.safetensors"))
    final = load_file(os.path.join(out, "final.safetensors"))
    assert set(final) == keys, (cls.__name__, sorted(final), sorted(keys))

    model.eval()
    with torch.no_grad():
        predictions = model(inputs[0])
    # netc's rows are flat: an output of several dimensions (an image) compares as its flattening.
    worst = {"predictions": relative(results["predictions"], predictions.reshape(results["predictions"].shape))}
    dropout = "F.dropout" in inspect.getsource(cls.values)
    if not dropout:
        optimizer = model.make_optimizer()
        scheduler = model.make_scheduler(optimizer)
        losses = torch.tensor([model.train_step(inputs[s], targets[s], optimizer, scheduler) for s in range(STEPS)],
                              dtype=cls.dtype)
        worst["losses"] = relative(results["losses"], losses)
        state = model.state_dict()
        worst["parameters"] = max(relative(final[k], state[k]) for k in keys)
        fresh = cls()
        fresh.load_state_dict(final)  # strict: netc's file is the module's state
        assert all(torch.equal(fresh.state_dict()[k], final[k]) for k in keys)
    limit = TOLERANCE[cls.dtype]
    summary = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    print(f"  {cls.__name__:<10} {str(cls.dtype)[6:]:<8} {summary}{' (inference only: dropout)' if dropout else ''}")
    assert all(v <= limit for v in worst.values()), f"{cls.__name__}: a difference above {limit}"


def refuses_module_attributes(netc, directory):
    """Every attribute of torch.nn.Module, as a layer name, is refused (or refused by netc itself)."""
    names = sorted({n for n in dir(torch.nn.Module) + list(vars(torch.nn.Module())) if not n.startswith("__")})
    spec = os.path.join(directory, "names.net")
    for name in names:
        with open(spec, "w") as f:
            f.write(f"network N {{\n  input x: 2\n  dense {name}(x): 2\n  loss squared_error({name})\n}}\n")
        checked = subprocess.run([netc, "check", spec], capture_output=True, text=True)
        if checked.returncode != 0:
            continue  # not a name netc takes at all
        exported = subprocess.run([netc, "export-pytorch", spec], capture_output=True, text=True)
        assert exported.returncode == 1 and f"'{name}' is" in exported.stderr, (name, exported.stderr)


def main():
    netc, netc_parity = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as directory:
        refuses_module_attributes(netc, directory)
        print("test_pytorch_export: netc and PyTorch, largest relative differences after "
              f"{STEPS} steps from the same weights on the same batches:")
        for spec, networks in SPECS.items():
            module = export(netc, spec, directory)
            for name in networks:
                compare(netc_parity, getattr(module, name), directory)
    print(f"test_pytorch_export: ok (torch {torch.__version__})")


if __name__ == "__main__":
    main()
