#!/usr/bin/env python3
"""Test accuracy of every member of a PyTorch zoo of ConvNet-S or MLPs, as PyTorch computes it.

The zoo: safetensors, one F32 tensor per state-dict key stacked over members ([N, ...shape]).
The architecture and its sizes are read from the keys and shapes:
- conv1.weight ...: ConvNet-S, ours (lib/models/convnet-s.ts): conv3x3 pad 1 no bias -> BN -> ReLU -> maxpool2, x2;
  conv3x3 -> BN -> ReLU -> global average pool -> linear.
- fc1.weight ... fcK.weight: our MLP (lib/models/mlp.ts): fc1 ReLU ... fcK over images flattened in [H, W, C] order.
Data: the Fashion-MNIST test IDX files (.gz or not), normalised as lib/data/fashion-mnist.ts does, or
--data FILE: safetensors with `images` [N, H, W, C] (normalised) and `labels` [N] (F32).

  /usr/bin/python3 torch-eval.py --zoo FILE [--data-dir DIR | --data FILE]   ->   {"count": N, "test": [percent, ...]}
"""

import argparse
import gzip
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.286, 0.353


class ConvNetS(nn.Module):
    def __init__(self, in_ch, channels, classes):
        super().__init__()
        c1, c2, c3 = channels
        self.conv1 = nn.Conv2d(in_ch, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(c3)
        self.fc = nn.Linear(c3, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.conv3(x)))
        return self.fc(x.mean(dim=(2, 3)))


class Mlp(nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.depth = len(widths) - 1
        for i in range(self.depth):
            setattr(self, f"fc{i + 1}", nn.Linear(widths[i], widths[i + 1]))

    def forward(self, x):
        h = x.permute(0, 2, 3, 1).flatten(1)  # [N, C, H, W] -> [N, H*W*C], our flattening order
        for i in range(1, self.depth + 1):
            h = getattr(self, f"fc{i}")(h)
            if i < self.depth:
                h = F.relu(h)
        return h


def build_net(zoo, path):
    """The network the zoo's keys and member shapes describe."""
    if "conv1.weight" in zoo:
        channels = [zoo[f"conv{i}.weight"].shape[1] for i in (1, 2, 3)]
        return ConvNetS(zoo["conv1.weight"].shape[2], channels, zoo["fc.weight"].shape[1])
    if "fc1.weight" in zoo:
        depth = sum(1 for k in zoo if k.startswith("fc") and k.endswith(".weight"))
        widths = [zoo["fc1.weight"].shape[2]] + [zoo[f"fc{i}.weight"].shape[1] for i in range(1, depth + 1)]
        return Mlp(widths)
    raise SystemExit(f"{path}: neither a ConvNet-S (conv1.weight) nor an MLP (fc1.weight): keys {sorted(zoo)}")


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, not F32")
        begin, end = info["data_offsets"]
        data = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        out[name] = torch.from_numpy(data.reshape(info["shape"]).copy())
    return out


def read_idx(data_dir, base):
    path = os.path.join(data_dir, base)
    with (open(path, "rb") if os.path.exists(path) else gzip.open(path + ".gz")) as f:
        raw = f.read()
    ndim = struct.unpack(">I", raw[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


@torch.no_grad()
def accuracy(net, x, y, batch=1000):
    net.eval()
    pred = torch.cat([net(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return 100.0 * (pred == y).sum().item() / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zoo", required=True)
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--data", help="safetensors of test images [N, H, W, C] and labels [N], instead of --data-dir")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    zoo = read_safetensors(args.zoo)
    if args.data:
        test = read_safetensors(args.data)
        x = test["images"].permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)  # [N, C, H, W]
        y = test["labels"].long()
    else:
        x = torch.from_numpy(read_idx(args.data_dir, "t10k-images-idx3-ubyte").astype(np.float32) / 255.0)
        x = ((x - MEAN) / STD).unsqueeze(1).contiguous(memory_format=torch.channels_last)  # [N, 1, 28, 28]
        y = torch.from_numpy(read_idx(args.data_dir, "t10k-labels-idx1-ubyte").astype(np.int64))
    count = next(iter(zoo.values())).shape[0]
    net = build_net(zoo, args.zoo).to(memory_format=torch.channels_last)
    accs = []
    for m in range(count):
        missing, unexpected = net.load_state_dict({k: v[m] for k, v in zoo.items()}, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise SystemExit(f"{args.zoo}: missing {missing}, unexpected {unexpected}")
        accs.append(accuracy(net, x, y))
    print(json.dumps({"count": count, "test": accs}))


if __name__ == "__main__":
    main()
