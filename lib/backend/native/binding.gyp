{
  # The native backend's addon: Node-API over OpenBLAS. Built by install.cjs (npm's install
  # script) into build/Release/paramdiff_native.node; openblas.cjs supplies the paths.
  "targets": [
    {
      "target_name": "paramdiff_native",
      "sources": ["src/addon.cc", "src/kernels.cc", "src/direct-conv.cc", "src/direct-conv-avx512.cc", "src/implicit-conv.cc", "src/pool.cc", "src/pointwise.cc", "src/normalize.cc", "src/norm-pool.cc", "src/norm-pool-binding.cc", "src/pointwise-binding.cc", "src/normalize-binding.cc", "src/head.cc"],
      "include_dirs": ["<!(node openblas.cjs include-dir)"],
      "libraries": [
        "-L<!(node openblas.cjs lib-dir)",
        "-Wl,-rpath,<!(node openblas.cjs lib-dir)",
        "-lopenblas",
        "-pthread"
      ],
      "cflags_cc": ["-O3", "-std=c++17"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
