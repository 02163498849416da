// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
// and only type imports of activities, the client or the worker.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const deterministicOnly = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: [
        ...nodeBuiltins.map((name) => ({
          name,
          message: 'Node built-ins are not allowed in deterministic code.',
        })),
        { name: 'ssh2', message: 'I/O belongs in activities.', allowTypeImports: true },
        { name: 'yaml', message: 'I/O belongs in the client or activities.' },
        { name: 'uuid', message: 'Use uuid4() from @temporalio/workflow.' },
        { name: '@temporalio/client', message: 'Workflows may not use the client.', allowTypeImports: true },
        { name: '@temporalio/worker', message: 'Workflows may not use the worker.', allowTypeImports: true },
        {
          name: '@temporalio/activity',
          message: 'Workflows may not use activity APIs.',
          allowTypeImports: true,
        },
      ],
      patterns: [
        {
          group: ['**/activities', '**/activities/**'],
          allowTypeImports: true,
          message: 'Import activities as types only.',
        },
        {
          group: ['**/simulator/**', '**/client/**', '**/worker/**'],
          message: 'Workflows may only import deterministic code.',
        },
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'process', message: 'process is not available in workflows.' },
    { name: 'setInterval', message: 'Use sleep() or condition() from @temporalio/workflow.' },
    { name: 'require', message: 'Use imports.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.temporal/**', 'bench/results/**', 'bench/work/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  { files: ['workflows/**/*.ts', 'common/**/*.ts'], rules: deterministicOnly },
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-unused-expressions': 'off' } },
  { files: ['**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
);
