{
  "targets": [
    {
      "target_name": "sfw_aes",
      "sources": ["sfw_aes.c"],
      "cflags": ["-O2"]
    }
  ]
}
