/**
 * The pre-commit check's cost (issue 9): `dbctl migrate` of issue 2's corpus (200 migrations) on a
 * fresh database, with and without the check, alternating; target: at most 10 % more.
 *   npm run build && npx tsx bench/precommit.ts [--runs N]
 */
import { ensureCorpus, growthSteps } from './lib/corpus.js';
import { applyPrecommit } from './lib/measures.js';
import { startServer } from './lib/server.js';
import { median } from './lib/stats.js';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;
const corpus = await ensureCorpus('growth200', growthSteps(200));
const server = await startServer();
try {
  const paired = await applyPrecommit(server, corpus, runs);
  if (paired.dbctl.error || paired.baseline.error) throw new Error(paired.dbctl.error ?? paired.baseline.error);
  const withCheck = median(paired.dbctl.ms);
  const without = median(paired.baseline.ms);
  console.log(`dbctl migrate, ${corpus.tags.length} migrations, fresh database, median of ${runs} runs each:`);
  console.log(
    `  with the pre-commit check:    ${withCheck.toFixed(0)} ms  (samples ${paired.dbctl.ms.map((m) => m.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  without (DBCTL_PRECOMMIT_CHECK=off): ${without.toFixed(0)} ms  (samples ${paired.baseline.ms.map((m) => m.toFixed(0)).join(', ')})`,
  );
  console.log(`  cost: ${(((withCheck - without) / without) * 100).toFixed(1)} % (target ≤ 10 %)`);
} finally {
  await server.stop();
}
