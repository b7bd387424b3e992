import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.tap/', 'charts/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Domain code is pure: no I/O frameworks, no Kubernetes client, no environment.
    files: ['src/spec/**', 'src/policy/**', 'src/mutation/**', 'src/admission/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', 'fastify/*', '@fastify/*'],
              message: 'domain code is framework-free',
            },
            {
              group: ['@kubernetes/client-node'],
              message: 'domain code does not talk to the API server',
            },
            {
              group: ['node:fs', 'node:fs/*', 'fs', 'node:http*', 'node:child_process'],
              message: 'domain code does no I/O',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'configuration is validated once in src/config',
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'bin/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
