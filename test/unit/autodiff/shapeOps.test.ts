// Finite-difference checks of the rules that move data around: Reshape, Flatten, Transpose,
// Squeeze/Unsqueeze (attribute and input forms), Concat, Split, Slice, Gather, Expand.
import { test } from 'node:test';
import { checkGradients } from './gradCheck';

const x234 = [{ name: 'x', dims: [2, 3, 4] }];

test('Reshape, Flatten and Transpose (with and without perm)', async () => {
  await checkGradients({ label: 'Reshape', inputs: x234, build: (b, [x]) => b.op('Reshape', [x!, b.constInt64([4, -1])]) });
  await checkGradients({ label: 'Flatten', inputs: x234, build: (b, [x]) => b.op('Flatten', [x!], { axis: 2 }) });
  await checkGradients({ label: 'Transpose perm', inputs: x234, build: (b, [x]) => b.op('Transpose', [x!], { perm: [1, 2, 0] }) });
  await checkGradients({ label: 'Transpose reversed', inputs: x234, build: (b, [x]) => b.op('Transpose', [x!]) });
});

test('Squeeze and Unsqueeze: axes inputs, negative axes, no axes', async () => {
  const x = [{ name: 'x', dims: [2, 1, 3] }];
  await checkGradients({ label: 'Squeeze input', inputs: x, build: (b, [v]) => b.op('Squeeze', [v!, b.constInt64([1])]) });
  await checkGradients({ label: 'Unsqueeze input', inputs: x, build: (b, [v]) => b.op('Unsqueeze', [v!, b.constInt64([0, -1])]) });
  await checkGradients({ label: 'Squeeze all 1s', inputs: x, build: (b, [v]) => b.op('Squeeze', [v!]) });
});

test('Concat: pieces of different sizes, negative axis, one piece not differentiated', async () => {
  await checkGradients({
    label: 'Concat axis 1',
    inputs: [
      { name: 'a', dims: [2, 1, 3] },
      { name: 'b', dims: [2, 3, 3] },
      { name: 'k', dims: [2, 2, 3], wrt: false },
    ],
    build: (b, [p, q, k]) => b.op('Concat', [p!, q!, k!], { axis: -2 }),
  });
  await checkGradients({
    label: 'Concat dynamic',
    dynamic: true,
    inputs: [
      { name: 'a', dims: [2, 3] },
      { name: 'b', dims: [1, 3] },
    ],
    build: (b, [p, q]) => b.op('Concat', [p!, q!], { axis: 0 }),
  });
});

test('Split: sizes as input (13+), num_outputs (18), equal parts; unused outputs get zeros', async () => {
  await checkGradients({
    label: 'Split sizes input',
    inputs: [{ name: 'x', dims: [2, 5] }],
    build: (b, [x]) => {
      const [p, q] = b.node('Split', [x!, b.constInt64([2, 3])], { axis: 1 }, { outputs: 2 });
      return b.op('Mul', [b.op('ReduceSum', [p!, b.constInt64([1])], { keepdims: 1 }), q!]);
    },
  });
  await checkGradients({
    label: 'Split num_outputs, one output unused',
    inputs: [{ name: 'x', dims: [4, 3] }],
    build: (b, [x]) => b.node('Split', [x!], { axis: 0, num_outputs: 2 }, { outputs: 2 })[1]!,
  });
  await checkGradients({
    label: 'Split opset 13 equal parts',
    opset: 13,
    inputs: [{ name: 'x', dims: [3, 4] }],
    build: (b, [x]) => {
      const [p, q] = b.node('Split', [x!], { axis: -1 }, { outputs: 2 });
      return b.op('Sub', [p!, q!]);
    },
  });
});

test('Slice: positive, negative, clamped and strided ranges', async () => {
  const slices: [number[], number[], number[], number[]][] = [
    [[1], [3], [1], [1]],
    [[-2, 0], [2 ** 62, 2], [2, 0], [1, 1]],
    [[3], [-100], [1], [-1]],
    [[0, 3], [3, 0], [2, 1], [2, -2]],
  ];
  for (const [starts, ends, axes, steps] of slices) {
    await checkGradients({
      label: `Slice ${starts}:${ends} axes ${axes} steps ${steps}`,
      inputs: [{ name: 'x', dims: [2, 4, 5] }],
      build: (b, [x]) => b.op('Slice', [x!, b.constInt64(starts), b.constInt64(ends), b.constInt64(axes), b.constInt64(steps)]),
      maxCoords: 40,
    });
  }
});

test('Slice with starts/ends known only at run time, and without axes', async () => {
  await checkGradients({
    label: 'Slice run-time bounds',
    inputs: [
      { name: 'x', dims: [3, 5] },
      { name: 'starts', dims: [2], dataType: 'int64', values: [-2, 1] },
      { name: 'ends', dims: [2], dataType: 'int64', values: [100, -1] },
    ],
    build: (b, [x, s, e]) => b.op('Slice', [x!, s!, e!]),
  });
  await checkGradients({
    label: 'Slice dynamic rank',
    dynamic: true,
    inputs: [{ name: 'x', dims: [3, 5] }],
    build: (b, [x]) => b.op('Slice', [x!, b.constInt64([1]), b.constInt64([4]), b.constInt64([-1])]),
  });
});

test('Gather: repeated and negative indices add up; other axes; opset 13 one-hot path', async () => {
  const table = { name: 'table', dims: [5, 3] };
  const ids = { name: 'ids', dims: [2, 3], dataType: 'int64' as const, values: [1, 4, 1, -1, 0, 1] };
  await checkGradients({ label: 'Gather embedding', inputs: [table, ids], build: (b, [t, i]) => b.op('Gather', [t!, i!]) });
  await checkGradients({ label: 'Gather opset 13', opset: 13, inputs: [table, ids], build: (b, [t, i]) => b.op('Gather', [t!, i!]) });
  await checkGradients({
    label: 'Gather axis 1',
    inputs: [
      { name: 'x', dims: [2, 4, 3] },
      { name: 'ids', dims: [3], dataType: 'int64', values: [3, -1, 0] },
    ],
    build: (b, [x, i]) => b.op('Gather', [x!, i!], { axis: 1 }),
  });
  await checkGradients({
    label: 'Gather scalar index (last position)',
    inputs: [{ name: 'x', dims: [2, 4, 3] }],
    build: (b, [x]) => b.op('Gather', [x!, b.constInt64([-1], [])], { axis: 1 }),
  });
});

test('Expand: broadcasting up, including a leading new axis', async () => {
  await checkGradients({ label: 'Expand', inputs: [{ name: 'x', dims: [3, 1] }], build: (b, [x]) => b.op('Expand', [x!, b.constInt64([2, 3, 4])]) });
  await checkGradients({
    label: 'Expand dynamic',
    dynamic: true,
    inputs: [{ name: 'x', dims: [1, 3] }],
    build: (b, [x]) => b.op('Expand', [x!, b.constInt64([2, 1, 3])]),
  });
});

test('Trilu (upper, lower, with k), GatherElements and Tile', async () => {
  for (const [upper, k] of [[1, 0], [0, -1]]) {
    await checkGradients({
      label: `Trilu upper=${upper} k=${k}`,
      inputs: [{ name: 'x', dims: [2, 3, 4] }],
      build: (b, [x]) => b.op('Trilu', [x!, b.constInt64([k!], [])], { upper: upper! }),
    });
  }
  await checkGradients({
    label: 'GatherElements axis 1 with repeats',
    inputs: [
      { name: 'x', dims: [2, 3] },
      { name: 'idx', dims: [2, 4], dataType: 'int64', values: [0, 2, 2, 1, 1, 1, 0, 2] },
    ],
    build: (b, [x, i]) => b.op('GatherElements', [x!, i!], { axis: 1 }),
  });
  await checkGradients({ label: 'Tile', inputs: [{ name: 'x', dims: [2, 1, 3] }], build: (b, [x]) => b.op('Tile', [x!, b.constInt64([2, 3, 1])]) });
});
