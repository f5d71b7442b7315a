// Runs graphql-http's audit suite (GraphQL over HTTP spec) against a live gateway and fails
// unless every MUST passes and at least MIN_SHOULD of the SHOULD audits pass.
import { auditServer } from 'graphql-http';

const url = process.env.ZGW_GRAPHQL_URL ?? 'http://127.0.0.1:18086/graphql';
const MIN_SHOULD = 20;

const results = await auditServer({ url });
const level = (name) => (name.startsWith('MUST') ? 'MUST' : name.startsWith('SHOULD') ? 'SHOULD' : 'MAY');
const tally = { MUST: { ok: 0, all: 0 }, SHOULD: { ok: 0, all: 0 }, MAY: { ok: 0, all: 0 } };
for (const r of results) {
  const l = level(r.name);
  tally[l].all += 1;
  if (r.status === 'ok') tally[l].ok += 1;
  const mark = r.status === 'ok' ? 'ok  ' : r.status === 'warn' ? 'warn' : 'FAIL';
  const why = r.status === 'ok' ? '' : ` — ${r.reason}`;
  console.log(`${mark} ${r.id} ${r.name}${why}`);
}
console.log(`\nMUST ${tally.MUST.ok}/${tally.MUST.all}, SHOULD ${tally.SHOULD.ok}/${tally.SHOULD.all}, MAY ${tally.MAY.ok}/${tally.MAY.all}`);
const failed = (tally.MUST.all - tally.MUST.ok) + (tally.SHOULD.ok < MIN_SHOULD ? 1 : 0);
const passed = tally.MUST.ok + tally.SHOULD.ok + tally.MAY.ok;
if (tally.SHOULD.ok < MIN_SHOULD) console.log(`only ${tally.SHOULD.ok} SHOULD audits pass; at least ${MIN_SHOULD} are required`);
console.log(`audit: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
