// The second phase of `lab test`: tests that act on every lab of the host run alone.
export default { files: ['dist/test/e2e/exclusive/**/*.test.js'], timeout: '2m', workerThreads: false };
