// Lint: recommended JS + TypeScript rules. Import direction is checked by test/architecture.test.ts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings through src/config/env.ts' }],
    },
  },
  { files: ['src/config/env.ts', 'test/**', 'bench/**', 'vitest.config.ts'], rules: { 'no-restricted-properties': 'off' } },
  // The field web app runs in the browser, its service worker in a worker: their globals, not Node's.
  { files: ['field-app/**'], languageOptions: { globals: globals.browser } },
  { files: ['field-app/sw.ts'], languageOptions: { globals: globals.serviceworker } },
  // Tests break raw YAML objects one key at a time; typing those edits would add nothing.
  { files: ['**/*.test.ts', 'test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
