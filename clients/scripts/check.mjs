#!/usr/bin/env node
// `npm run check`: fails when the committed generated files are stale, or the recipes do not type-check.
//   1. writes the portal's operations from playground/app.js into a temporary folder and compares them with
//      portal/operations.graphql;
//   2. runs graphql-codegen on ../schema.graphql and those operations into the temporary folder and compares
//      every file with src/gql/ (a file missing, extra or different is stale);
//   3. runs `tsc --noEmit` over the recipes and the generated code;
//   4. checks that each recipe snippet of the README's "Typed clients and recipes" section (README.md once the
//      section is merged there, and clients/README-section.md while it exists) is still in the recipe it names
//      on its first line (`// clients/recipes/<file>`): each paragraph of the snippet, line for line
//      (indentation aside).
// Nothing in the working tree is written. The fix for 1 and 2 is `npm run generate`, then commit clients/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPortalOperations, portalOperationsDocument } from './portal-operations.mjs';

const clients = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(clients, 'node_modules', '.bin', name);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zgw-clients-check-'));
const problems = [];

function run(what, command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: clients, env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    problems.push(`${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
    console.log(`not ok - ${what} (${seconds} s)`);
    return false;
  }
  console.log(`ok - ${what} (${seconds} s)`);
  return true;
}

/** Relative paths of the files under dir. */
function files(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

try {
  // 1. The portal's operations.
  const committedOps = path.join(clients, 'portal', 'operations.graphql');
  const freshOps = path.join(tmp, 'portal', 'operations.graphql');
  fs.mkdirSync(path.dirname(freshOps), { recursive: true });
  fs.writeFileSync(freshOps, portalOperationsDocument(loadPortalOperations()));
  if (!fs.existsSync(committedOps) || fs.readFileSync(committedOps, 'utf8') !== fs.readFileSync(freshOps, 'utf8')) {
    problems.push('clients/portal/operations.graphql is stale: playground/app.js\'s OPERATIONS changed');
    console.log('not ok - portal/operations.graphql matches playground/app.js');
  } else {
    console.log('ok - portal/operations.graphql matches playground/app.js');
  }

  // 2. The generated types and documents, from the fresh operations.
  const freshOut = path.join(tmp, 'gql');
  if (run('graphql-codegen into a temporary folder', bin('graphql-codegen'), ['--config', 'codegen.ts', '--silent'],
    { ZGW_CODEGEN_DOCUMENTS: freshOps, ZGW_CODEGEN_OUT: `${freshOut}${path.sep}` })) {
    const committedOut = path.join(clients, 'src', 'gql');
    const names = [...new Set([...files(committedOut), ...files(freshOut)])].sort();
    const stale = names.filter((name) => {
      const a = path.join(committedOut, name);
      const b = path.join(freshOut, name);
      return !fs.existsSync(a) || !fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b));
    });
    if (stale.length > 0) {
      problems.push(`clients/src/gql/ is stale (schema.graphql or the portal's operations changed): ${stale.join(', ')}`);
      console.log(`not ok - src/gql/ matches a fresh codegen run (differs: ${stale.join(', ')})`);
    } else {
      console.log(`ok - src/gql/ matches a fresh codegen run (${names.join(', ')})`);
    }
  }

  // 3. The recipes type-check against the committed generated code.
  run('tsc --noEmit (recipes and generated code)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);

  // 4. The README's snippets are the recipes' code.
  for (const readme of [path.join(clients, '..', 'README.md'), path.join(clients, 'README-section.md')]) {
    if (!fs.existsSync(readme)) continue;
    const text = fs.readFileSync(readme, 'utf8');
    const start = text.indexOf('### Typed clients and recipes');
    if (start < 0) continue;
    const bodyStart = text.indexOf('\n', start) + 1;
    const next = text.slice(bodyStart).search(/^#{1,3} /m); // the next heading of the same level or above
    const section = next < 0 ? text.slice(start) : text.slice(start, bodyStart + next);
    const name = path.relative(path.join(clients, '..'), readme);
    let snippets = 0;
    for (const [, body] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const [first, ...rest] = body.split('\n');
      const file = /^\/\/ (clients\/recipes\/\S+)$/.exec(first)?.[1];
      if (!file) continue;
      snippets += 1;
      const recipe = fs.readFileSync(path.join(clients, '..', file), 'utf8').split('\n').map((l) => l.trim());
      const paragraphs = rest.join('\n').split(/\n\s*\n/).map((p) => p.split('\n').map((l) => l.trim()).filter(Boolean));
      for (const lines of paragraphs.filter((p) => p.length > 0)) {
        const found = recipe.some((_, i) => lines.every((line, j) => recipe[i + j] === line));
        if (!found) problems.push(`${name}: a snippet is no longer in ${file}:\n${lines.join('\n')}`);
      }
    }
    if (snippets === 0) problems.push(`${name}: the "Typed clients and recipes" section quotes no recipe`);
    const ok = !problems.some((p) => p.startsWith(`${name}:`));
    console.log(`${ok ? "ok" : "not ok"} - ${name}: its ${snippets} recipe snippets are in the recipes`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\n${problems.join('\n\n')}\n\nFix: a stale file: cd clients && npm run generate, then npm run typecheck, and commit clients/; a README snippet: copy the recipe's client setup into it again.`);
  process.exit(1);
}
