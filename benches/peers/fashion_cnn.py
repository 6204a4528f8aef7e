"""PyTorch's time per training step for the Fashion-MNIST network of the CNN chapter
(Deep Diamond's: conv 32 3x3 relu -> conv 64 3x3 relu -> max pool 2 -> dropout 0.25 ->
dense 128 relu -> dropout 0.5 -> dense 10, softmax cross-entropy, Adam 1e-3), batch 128
of 1x28x28, 2 threads; compare with `cargo run --release -p chapters --bin
convolutional_layers` in the same session.

Run: target/peers-venv/bin/python benches/peers/fashion_cnn.py
"""
import json
import statistics
import time

import torch
from torch import nn

torch.set_num_threads(2)
B, STEPS = 128, 20
net = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Dropout(0.25), nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
ce = nn.CrossEntropyLoss()
x, y = torch.rand(B, 1, 28, 28), torch.randint(0, 10, (B,))


def step():
    opt.zero_grad()
    loss = ce(net(x), y)
    loss.backward()
    opt.step()
    return loss


for _ in range(3):
    step()
runs = []
for _ in range(3):
    t = time.perf_counter()
    for _ in range(STEPS):
        loss = step()
    loss.item()
    runs.append((time.perf_counter() - t) / STEPS)
med = statistics.median(runs)
print(json.dumps({"peer": "torch", "workload": "fashion_cnn_step", "seconds_median": round(med, 6),
                  "seconds_min": round(min(runs), 6), "epoch_seconds_469_steps": round(469 * med, 1),
                  "version": torch.__version__}))
