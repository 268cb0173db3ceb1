"""The README's "From PyTorch" loop in PyTorch: the twin of from-pytorch.ts, line for line.

Reads the iris split as JSON on stdin ({xTrain, yTrain, xTest, yTest}, from splitAsJson in
from-pytorch.ts) and prints {"testAccuracy": ...} as JSON; from-pytorch.test.ts runs it with
/usr/bin/python3 when that has torch.
"""
import json
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)  # chainrule computes in float64
split = json.load(sys.stdin)
x_train, x_test = torch.tensor(split["xTrain"]), torch.tensor(split["xTest"])
y_train, y_test = torch.tensor(split["yTrain"]).long(), torch.tensor(split["yTest"]).long()
epochs, seed = int(sys.argv[1]), int(sys.argv[2])

# readme:start
torch.manual_seed(seed)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=16, shuffle=True)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
for epoch in range(epochs):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    scheduler.step()
model.eval()
with torch.no_grad():
    test_accuracy = (model(x_test).argmax(1) == y_test).double().mean().item()
# readme:end

print(json.dumps({"testAccuracy": test_accuracy}))
