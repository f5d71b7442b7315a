// graphql-codegen: TypeScript types for ../schema.graphql and typed documents for the student portal's
// operations (portal/operations.graphql, written from playground/app.js by scripts/portal-operations.mjs).
// `npm run generate` writes src/gql/; `npm run check` regenerates into a temporary folder and fails when the
// committed files differ (ZGW_CODEGEN_DOCUMENTS and ZGW_CODEGEN_OUT point it there; ZGW_CODEGEN_SCHEMA reads
// another schema file).
import type { CodegenConfig } from '@graphql-codegen/cli';

const documents = process.env.ZGW_CODEGEN_DOCUMENTS ?? 'portal/operations.graphql';
const out = process.env.ZGW_CODEGEN_OUT ?? 'src/gql/';

const config: CodegenConfig = {
  schema: process.env.ZGW_CODEGEN_SCHEMA ?? '../schema.graphql',
  documents: [documents],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: 'client',
      presetConfig: {
        // The portal's fragments only share selections; the recipes read them unmasked.
        fragmentMasking: false,
        // persisted-documents.json: { "<sha256 of the printed document>": "<document>" }, the manifest a
        // gateway in trusted-documents mode accepts; each generated document carries its hash in __meta__.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        // The schema's scalars all travel as strings (see their descriptions in schema.graphql).
        strictScalars: true,
        scalars: { BigInt: 'string', Date: 'string', DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
