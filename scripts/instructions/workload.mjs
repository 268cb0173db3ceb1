// The workload that count.mjs runs under callgrind: W1 (the article's 2-2-2 step) or W5 (a 2×2 add,
// after 3,000 W1 steps when asked), `n` times, with the core build of the tree given.
const [tree, workload, n, warm] = process.argv.slice(2);
const { tensor, noGrad } = await import(`${tree}/packages/core/dist/index.js`);
const x = tensor([[0.05, 0.1]]), target = tensor([[0.01, 0.99]]);
const w1 = tensor([[0.15, 0.25], [0.2, 0.3]], { requiresGrad: true }), w2 = tensor([[0.4, 0.5], [0.45, 0.55]], { requiresGrad: true });
const b1 = tensor([0.35]), b2 = tensor([0.6]);
const loss = () => target.sub(x.matmul(w1).add(b1).sigmoid().matmul(w2).add(b2).sigmoid()).square().mul(0.5).sum();
const step = () => {
  loss().backward();
  noGrad(() => { w1.sub_(w1.grad.mul(0.5)); w2.sub_(w2.grad.mul(0.5)); });
  w1.grad = null;
  w2.grad = null;
};
if (workload === 'w1') for (let s = 0; s < Number(n); s++) step();
else {
  for (let s = 0; s < Number(warm); s++) step();
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6], [7, 8]]);
  for (let i = 0; i < Number(n); i++) a.add(b);
}
