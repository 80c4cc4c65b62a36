// Soft prompt surgery + loss + gradient on a second architecture: the tiny RANDOM-weight GPT-2
// (learned position embeddings, LayerNorm, GELU). d loss / d soft_prompt is checked against
// central finite differences along random directions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import { SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { openSoftPromptSessions, releaseSessions, type SoftPromptSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { tinyModelDir } from '../helpers/fixtures';

let sessions: SoftPromptSessions;
const N = 3;

before(async () => {
  sessions = await openSoftPromptSessions(loadTrainingGraph(tinyModelDir('gpt2')), { numVirtualTokens: N, loss: 'classification', device: 'cpu', gradient: true });
});
after(async () => {
  if (sessions) await releaseSessions(sessions);
});

test('GPT-2: d loss / d soft_prompt agrees with central finite differences', async () => {
  const { vocabSize: V, hidden } = sessions;
  assert.equal(sessions.differentiable, true, sessions.autodiffError);
  const rng = new Rng(11);
  const virtual = Array.from({ length: N }, (_, i) => V + i);
  const examples = [
    { ids: [...virtual, 40, 41, 42, 43], label: 0 },
    { ids: [...virtual, 50, 51], label: 1 },
    { ids: [...virtual, 60, 61, 62], label: 1 },
  ];
  // Classes with one- and two-token verbalizers.
  const objective = new SoftPromptObjective(sessions, [[70], [80, 81]]);
  const p = Float32Array.from({ length: N * hidden }, () => rng.normal() * 0.5);
  const r = await objective.lossAndGrad(p, examples);
  assert.ok(r.grad!.some((g) => g !== 0));
  const h = 1e-2;
  for (let d = 0; d < 3; d++) {
    const u = Float64Array.from({ length: p.length }, () => rng.normal());
    const norm = Math.hypot(...u);
    const at = (sign: number) => Float32Array.from(p, (x, i) => x + (sign * h * u[i]!) / norm);
    const fd = ((await objective.evaluate(at(1), examples)).loss - (await objective.evaluate(at(-1), examples)).loss) / (2 * h);
    const analytic = r.grad!.reduce((s, g, i) => s + (g * u[i]!) / norm, 0);
    assert.ok(Math.abs(fd - analytic) <= 2e-3 + 2e-2 * Math.abs(analytic), `direction ${d}: finite difference ${fd}, gradient ${analytic}`);
  }
});
