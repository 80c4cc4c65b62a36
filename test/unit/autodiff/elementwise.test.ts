// Finite-difference checks of the elementwise rules over a matrix of broadcasting shapes.
import { test } from 'node:test';
import { type CaseInput, checkGradients } from './gradCheck';

// [shape of a, shape of b]: equal, scalar, trailing vector, leading and middle 1s, both broadcast.
const SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], []],
  [[], [2, 3]],
  [[2, 3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[1, 3], [2, 1]],
  [[2, 3, 4], [2, 1, 4]],
];

const positive: [number, number] = [0.5, 2];

function binary(op: string, ranges: [[number, number]?, [number, number]?] = []) {
  test(`${op}: gradients match finite differences over broadcasting shapes`, async () => {
    for (const [sa, sb] of SHAPES) {
      const inputs: CaseInput[] = [
        { name: 'a', dims: sa, range: ranges[0] },
        { name: 'b', dims: sb, range: ranges[1] },
      ];
      await checkGradients({ label: `${op} ${JSON.stringify(sa)}x${JSON.stringify(sb)}`, inputs, build: (b, [x, y]) => b.op(op, [x!, y!]) });
    }
  });
}

binary('Add');
binary('Sub');
binary('Mul');

test('Add and Mul with shapes unknown until run time undo broadcasting from Shape nodes', async () => {
  for (const op of ['Add', 'Mul']) {
    for (const [sa, sb] of SHAPES) {
      const inputs: CaseInput[] = [
        { name: 'a', dims: sa },
        { name: 'b', dims: sb },
      ];
      await checkGradients({ label: `${op} dynamic ${JSON.stringify(sa)}x${JSON.stringify(sb)}`, dynamic: true, inputs, build: (b, [x, y]) => b.op(op, [x!, y!]) });
    }
  }
});
binary('Div', [undefined, positive]);
binary('Pow', [positive, undefined]);

test('Sum (n-ary): gradients reach every broadcast input', async () => {
  await checkGradients({
    label: 'Sum',
    inputs: [
      { name: 'a', dims: [2, 3] },
      { name: 'b', dims: [3] },
      { name: 'c', dims: [2, 1] },
    ],
    build: (b, [x, y, z]) => b.op('Sum', [x!, y!, z!]),
  });
});

test('Pow with constant exponents (2, 0.5, -1.5, 3)', async () => {
  for (const e of [2, 0.5, -1.5, 3]) {
    await checkGradients({
      label: `Pow ^${e}`,
      inputs: [{ name: 'x', dims: [2, 3], range: positive }],
      build: (b, [x]) => b.op('Pow', [x!, b.initializer({ name: 'e', dataType: 'float64', dims: [], data: Float64Array.of(e) })]),
    });
  }
});

test('Where: gradients go to the chosen branch, with a broadcast condition', async () => {
  // [condition, a, b] shapes; the condition itself broadcasts too.
  const cases: [number[], number[], number[]][] = [
    [[2, 1], [2, 3], [2, 3]],
    [[3], [2, 3], []],
    [[2, 1], [], [2, 3]],
    [[3, 1], [2, 1, 4], [3, 1]],
  ];
  for (const [sc, sa, sb] of cases) {
    const n = sc.reduce((x, y) => x * y, 1);
    await checkGradients({
      label: `Where ${JSON.stringify(sc)} ${JSON.stringify(sa)}x${JSON.stringify(sb)}`,
      inputs: [
        { name: 'c', dims: sc, dataType: 'bool', values: Array.from({ length: n }, (_, i) => i % 2) },
        { name: 'a', dims: sa },
        { name: 'b', dims: sb },
      ],
      build: (b, [c, x, y]) => b.op('Where', [c!, x!, y!]),
    });
  }
});

const UNARY: [string, [number, number]?][] = [
  ['Neg'],
  ['Identity'],
  ['Sqrt', positive],
  ['Reciprocal', positive],
  ['Exp'],
  ['Log', positive],
  ['Tanh'],
  ['Sigmoid'],
  ['Relu'],
  ['Abs'],
  ['Cos'],
  ['Sin'],
  ['Softplus'],
];

for (const [op, range] of UNARY) {
  test(`${op}: gradient matches finite differences`, async () => {
    await checkGradients({ label: op, inputs: [{ name: 'x', dims: [3, 4], range }], build: (b, [x]) => b.op(op, [x!]) });
  });
}

test('Erf (float32: ORT has no double Erf)', async () => {
  await checkGradients({ label: 'Erf', dtype: 'float32', inputs: [{ name: 'x', dims: [3, 4] }], build: (b, [x]) => b.op('Erf', [x!]) });
});

test('Cast float32 → float64 → float32 passes the gradient; a cast to int64 ends the path', async () => {
  await checkGradients({
    label: 'Cast',
    dtype: 'float32',
    // In (0.1, 0.9) the int cast is 0 everywhere near the point, so its true gradient is 0.
    inputs: [{ name: 'x', dims: [2, 3], range: [0.1, 0.9] }],
    build: (b, [x]) => {
      const viaInt = b.op('Cast', [b.op('Cast', [x!], { to: 7 })], { to: 1 });
      return b.op('Add', [b.op('Cast', [b.op('Cast', [x!], { to: 11 })], { to: 1 }), viaInt]);
    },
  });
});

test('Max and Min (n-ary, broadcasting) and Clip', async () => {
  for (const op of ['Max', 'Min']) {
    await checkGradients({
      label: `${op} binary`,
      inputs: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
      ],
      build: (b, [x, y]) => b.op(op, [x!, y!]),
    });
    await checkGradients({
      label: `${op} ternary`,
      inputs: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [2, 1] },
        { name: 'c', dims: [] },
      ],
      build: (b, [x, y, z]) => b.op(op, [x!, y!, z!]),
    });
  }
  await checkGradients({
    label: 'Clip',
    inputs: [{ name: 'x', dims: [3, 4], range: [-2, 2] }],
    build: (b, [x]) => {
      const bound = (name: string, v: number) => b.initializer({ name, dataType: 'float64', dims: [], data: Float64Array.of(v) });
      return b.op('Clip', [x!, bound('lo', -0.9), bound('hi', 1.1)]);
    },
  });
});

test('LeakyRelu with its alpha', async () => {
  await checkGradients({ label: 'LeakyRelu', inputs: [{ name: 'x', dims: [3, 4] }], build: (b, [x]) => b.op('LeakyRelu', [x!], { alpha: 0.2 }) });
});

test('fan-out: a value used twice by one node and by several nodes sums its gradients', async () => {
  await checkGradients({
    label: 'fan-out',
    inputs: [{ name: 'x', dims: [2, 3] }],
    build: (b, [x]) => b.op('Add', [b.op('Mul', [x!, x!]), b.op('Mul', [b.op('Exp', [x!]), b.op('Tanh', [x!])])]),
  });
});
