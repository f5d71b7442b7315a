// Copies GraphiQL's pinned browser assets from node_modules into vendor/, which is committed and
// embedded in the gateway binary: /playground then works from a clone with no npm step and on a
// closed network. To change a version: edit package.json, then `npm install && npm run vendor`,
// and commit vendor/ with package-lock.json. tests/browser/operations.test.mjs fails when vendor/
// and the installed packages disagree.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
const vendor = path.join(here, 'vendor');

/** Each served asset: [package, file inside the package, name under vendor/]. Order = load order. */
export const ASSETS = [
  ['graphiql', 'graphiql.min.css', 'graphiql.min.css'],
  ['react', 'umd/react.production.min.js', 'react.production.min.js'],
  ['react-dom', 'umd/react-dom.production.min.js', 'react-dom.production.min.js'],
  ['graphiql', 'graphiql.min.js', 'graphiql.min.js'],
];

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(modules, pkg, 'package.json'), 'utf8')).version;

/** The packages webpack bundled into graphiql.min.js, with the licence each declares. */
function bundled() {
  const text = fs.readFileSync(path.join(modules, 'graphiql', 'graphiql.min.js'), 'utf8');
  const names = new Set();
  for (const [, name] of text.matchAll(/"(?:\.\.\/)+node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)) names.add(name);
  for (const [, name] of text.matchAll(/"(?:\.\.\/)+(codemirror-graphql|graphiql-react|graphiql-toolkit|graphql-language-service)\//g)) {
    names.add(name === 'graphiql-react' || name === 'graphiql-toolkit' ? `@graphiql/${name.slice(9)}` : name);
  }
  const installed = fs.readdirSync(modules, { recursive: true }).filter((f) => f.endsWith('package.json'));
  return [...names].sort().map((name) => {
    // npm may nest a copy under another package's node_modules; any installed copy tells the licence.
    const file = installed.find((f) => f === `${name}/package.json` || f.endsWith(`/node_modules/${name}/package.json`));
    const meta = file ? JSON.parse(fs.readFileSync(path.join(modules, file), 'utf8')) : {};
    return { name, version: meta.version ?? null, license: meta.license ?? null };
  });
}

function main() {
  fs.mkdirSync(vendor, { recursive: true });
  const assets = ASSETS.map(([pkg, from, to]) => {
    fs.copyFileSync(path.join(modules, pkg, from), path.join(vendor, to));
    return { file: to, package: pkg, version: version(pkg), from, sha256: sha256(path.join(vendor, to)) };
  });
  for (const pkg of new Set(ASSETS.map(([pkg]) => pkg))) {
    fs.copyFileSync(path.join(modules, pkg, 'LICENSE'), path.join(vendor, `LICENSE.${pkg}`));
  }
  const manifest = { assets, bundledInGraphiql: bundled() };
  fs.writeFileSync(path.join(vendor, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`vendor/: ${assets.map((a) => `${a.package}@${a.version} ${a.file}`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
