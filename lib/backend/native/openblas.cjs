// Finds OpenBLAS's headers (a cblas.h that declares openblas_get_config) and library for the
// native backend's build: pkg-config's `openblas` first, then the usual install places
// (Debian/Ubuntu multiarch variants, Fedora, Homebrew). install.cjs asks it whether to build;
// binding.gyp asks it for the flags: `node openblas.cjs include-dir` / `node openblas.cjs lib-dir`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const LIB_NAMES = ['libopenblas.so', 'libopenblas.dylib'];
// Debian's variants, preferred in this order (pthread: threads without an OpenMP runtime).
const VARIANTS = ['openblas-pthread', 'openblas-openmp', 'openblas-serial'];

function declaresOpenBlas(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'cblas.h'), 'utf8').includes('openblas_get_config');
  } catch {
    return false;
  }
}

function hasLibrary(dir) {
  return LIB_NAMES.some((name) => fs.existsSync(path.join(dir, name)));
}

/** `pkg-config --variable=NAME openblas`, or undefined when pkg-config or the package is missing. */
function pkgConfig(variable) {
  const out = spawnSync('pkg-config', [`--variable=${variable}`, 'openblas'], { encoding: 'utf8' });
  const value = out.status === 0 ? out.stdout.trim() : '';
  return value || undefined;
}

/** Multiarch subdirectories such as x86_64-linux-gnu under `root`. */
function multiarch(root) {
  try {
    return fs.readdirSync(root).filter((d) => /-linux-gnu/.test(d)).map((d) => path.join(root, d));
  } catch {
    return [];
  }
}

function candidates(root) {
  const bases = [...multiarch(root), root];
  return [...bases.flatMap((b) => VARIANTS.map((v) => path.join(b, v))), ...bases.map((b) => path.join(b, 'openblas')), ...bases];
}

/** { includeDir, libDir } of an OpenBLAS with a usable cblas.h, or undefined. */
function findOpenBlas() {
  const pcInclude = pkgConfig('includedir');
  const pcLib = pkgConfig('libdir');
  const prefixes = ['/usr', '/usr/local', '/opt/homebrew/opt/openblas', '/usr/local/opt/openblas'];
  const includeDir = [pcInclude, ...prefixes.flatMap((p) => candidates(path.join(p, 'include')))]
    .find((dir) => dir && declaresOpenBlas(dir));
  const libDir = [pcLib, ...prefixes.flatMap((p) => [...candidates(path.join(p, 'lib')), path.join(p, 'lib64')])]
    .find((dir) => dir && hasLibrary(dir));
  return includeDir && libDir ? { includeDir: path.resolve(includeDir), libDir: path.resolve(libDir) } : undefined;
}

module.exports = { findOpenBlas };

if (require.main === module) {
  const found = findOpenBlas();
  const what = process.argv[2];
  if (!found || (what !== 'include-dir' && what !== 'lib-dir')) {
    console.error(found ? 'usage: node openblas.cjs include-dir|lib-dir' : 'OpenBLAS not found');
    process.exit(1);
  }
  console.log(what === 'include-dir' ? found.includeDir : found.libDir);
}
