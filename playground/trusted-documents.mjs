// Writes trusted-documents.json: the portal's GraphQL operations (app.js's OPERATIONS, exactly the text it
// sends) by SHA-256, in graphql-codegen's persisted-documents format. A gateway started with
// GATEWAY_TRUSTED_DOCUMENTS=playground/trusted-documents.json runs the portal's operations and nothing else.
// Run after changing an operation: node playground/trusted-documents.mjs (tests/browser/operations.test.mjs
// fails while the file is stale).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const MANIFEST = path.join(here, 'trusted-documents.json');

/** The manifest's text for the current app.js. */
export function manifestText() {
  const context = vm.createContext({ console, URLSearchParams });
  vm.runInContext(fs.readFileSync(path.join(here, 'app.js'), 'utf8'), context, { filename: 'app.js' });
  const entries = Object.values(context.ZGW_OPERATIONS)
    .map((text) => [crypto.createHash('sha256').update(text).digest('hex'), text])
    .sort(([a], [b]) => a.localeCompare(b));
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(MANIFEST, manifestText());
  console.log(`wrote ${path.relative(process.cwd(), MANIFEST)}`);
}
