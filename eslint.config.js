// Flat config: typescript-eslint's type-aware rules, mainly to catch floating promises and
// non-exhaustive switches in protocol and queue code, where a forgotten await loses a message.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '**/*.mjs', '**/*.cjs', 'tools/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
    },
  },
  {
    // Apps own the console (CLI output) and tests may print diagnostics.
    files: ['apps/**/*.ts', '**/*.test.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Only apps read the environment (ARCHITECTURE: "only apps/ read process.env").
    files: ['packages/**/*.ts'],
    ignores: ['packages/testkit/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only apps/ read process.env; pass settings in.' }],
    },
  },
);
