// The browser tests run the portal against a gateway in trusted-documents mode (run.sh). Their own arrange and
// clean-up requests (`gqlInPage(page, '<document>', …)`) are not the portal's: this script lists them in a
// second manifest, written where run.sh asks, so the portal's own manifest stays exactly the portal's.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every single-quoted document passed to gqlInPage in the browser test files, by SHA-256. */
export function testDocuments() {
  const documents = {};
  for (const file of fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs'))) {
    const text = fs.readFileSync(path.join(here, file), 'utf8');
    for (const [, doc] of text.matchAll(/gqlInPage\(\s*\w+\s*,\s*'([^'\\]*)'/g)) {
      documents[crypto.createHash('sha256').update(doc).digest('hex')] = doc;
    }
  }
  return documents;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node test-documents.mjs OUT.json');
  const documents = testDocuments();
  fs.writeFileSync(out, `${JSON.stringify(documents, null, 2)}\n`);
  console.log(`${Object.keys(documents).length} test documents in ${out}`);
}
