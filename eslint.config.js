// ESLint (flat config): typescript-eslint's recommended rules, plus the house's
// layering (README, "Layers"): no import cycles, and imports point down only.
//   model/     the bottom: imports nothing of ours
//   runtimes/  may import model/
//   reports/   may import model/
//   harness/   the engine may import runtimes/, reports/ and model/, never its CLI
//              (harness/commands/, harness/cli.ts sit on top)
// Tests may cross layers (an end-to-end test drives the whole stack). Formatting is
// Prettier's job: eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layers = [
  {
    target: './model',
    from: ['./harness', './runtimes', './reports', './scripts', './test'],
    message: 'model/ is the bottom layer',
  },
  {
    target: './runtimes',
    from: ['./harness', './reports', './scripts', './test'],
    message: 'runtimes/ sit below the harness and reports',
  },
  {
    target: './reports',
    from: ['./harness', './runtimes', './scripts', './test'],
    message: 'reports/ read model/ only',
  },
  {
    target: ['./harness/!(cli).ts', './harness/!(commands)/**'],
    from: ['./harness/commands', './harness/cli.ts', './scripts', './test'],
    message: 'the engine does not import the CLI above it',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'runtimes/**/.cache/**',
      'runtimes/**/build/**',
      'results/**',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      // Matching control bytes is this codebase's business (escaping, CGI and HTTP parsing).
      'no-control-regex': 'off',
      // A timer declared before the callbacks that clear it, and set after them, stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'scripts/**'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    // Ambient declarations of the WebAssembly JS API (types/webassembly.d.ts) follow lib.dom's shape.
    files: ['types/**/*.d.ts'],
    rules: {
      'no-var': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  prettier,
);
