// `lab vm test ipvs`: the IPVS end-to-end tests, run only inside the kernel VM
// (this machine's kernel has no IPVS); one lab at a time, slow emulated CPUs.
export default { files: ['dist/test/e2e/ipvs/**/*.test.js'], timeout: '5m', concurrency: 1, workerThreads: false };
