/*
 * AES-128-CTR keystream straight into caller memory (packages/ring/src/aes-native.ts).
 *
 * node:crypto's cipher.update() always returns a fresh buffer (allocated, then copied into a second
 * zero-filled exact-length one), so a keystream bound for a WASM scratch or a SharedArrayBuffer
 * costs two allocations and two copies per chunk on top of the AES itself. This addon runs the same
 * cipher (EVP_aes_128_ctr of the OpenSSL that Node carries: the symbols come from the node binary)
 * with the output pointer set to the caller's view, and keeps one EVP context per key: a fill only
 * resets the IV. The keystream is byte-identical to createCipheriv('aes-128-ctr', key, iv) with the
 * IV = 128-bit big-endian block counter (blocks.ts cipherAt).
 *
 * ctx(key) -> handle    key: 16 bytes; the key schedule lives only in the EVP context
 * fill(handle, offset, dst)   dst (any TypedArray/DataView) = keystream bytes [offset, offset + len)
 * free(handle)          frees and clears the context now (the finalizer does it otherwise)
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Read-only zero input: CTR output = keystream XOR input. Small enough to stay cache resident. */
#define ZCHUNK 16384
static const unsigned char zeros[ZCHUNK];

typedef struct {
  EVP_CIPHER_CTX *ctx;
} aes_handle;

static void handle_release(aes_handle *h) {
  if (h->ctx != NULL) {
    EVP_CIPHER_CTX_free(h->ctx); /* clears the key schedule */
    h->ctx = NULL;
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  aes_handle *h = data;
  handle_release(h);
  free(h);
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "sfw_aes: N-API call failed");      \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* The bytes of a TypedArray or DataView argument. */
static int view_bytes(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t n;
    void *p;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, v, &type, &n, &p, &ab, &off) != napi_ok) return 0;
    size_t el;
    switch (type) {
      case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: el = 1; break;
      case napi_int16_array: case napi_uint16_array: el = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
      default: el = 8; break;
    }
    *data = p;
    *len = n * el;
    return 1;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    napi_value ab;
    size_t off;
    void *p;
    if (napi_get_dataview_info(env, v, len, &p, &ab, &off) != napi_ok) return 0;
    *data = p;
    return 1;
  }
  return 0;
}

static napi_value js_ctx(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *key;
  size_t klen;
  if (argc < 1 || !view_bytes(env, argv[0], &key, &klen) || klen != 16) {
    napi_throw_type_error(env, NULL, "sfw_aes: key must be 16 bytes");
    return NULL;
  }
  aes_handle *h = malloc(sizeof *h);
  if (h == NULL) {
    napi_throw_error(env, NULL, "sfw_aes: out of memory");
    return NULL;
  }
  h->ctx = EVP_CIPHER_CTX_new();
  static const unsigned char iv0[16];
  if (h->ctx == NULL || EVP_EncryptInit_ex(h->ctx, EVP_aes_128_ctr(), NULL, key, iv0) != 1) {
    handle_release(h);
    free(h);
    napi_throw_error(env, NULL, "sfw_aes: cipher initialisation failed");
    return NULL;
  }
  napi_value ext;
  if (napi_create_external(env, h, finalize, NULL, &ext) != napi_ok) {
    handle_release(h);
    free(h);
    napi_throw_error(env, NULL, "sfw_aes: N-API call failed");
    return NULL;
  }
  return ext;
}

static aes_handle *handle_of(napi_env env, napi_value v) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/* One 16-byte keystream block into tmp (the context advances one block). */
static int block(EVP_CIPHER_CTX *c, unsigned char tmp[16]) {
  int outl;
  return EVP_EncryptUpdate(c, tmp, &outl, zeros, 16) == 1 && outl == 16;
}

static napi_value js_fill(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  aes_handle *h = argc >= 3 ? handle_of(env, argv[0]) : NULL;
  if (h == NULL || h->ctx == NULL) {
    napi_throw_type_error(env, NULL, "sfw_aes: not a live cipher handle");
    return NULL;
  }
  double offd;
  if (napi_get_value_double(env, argv[1], &offd) != napi_ok || !(offd >= 0) || offd > 9007199254740991.0 || offd != (double)(uint64_t)offd) {
    napi_throw_range_error(env, NULL, "sfw_aes: offset must be a non-negative safe integer");
    return NULL;
  }
  unsigned char *dst;
  size_t len;
  if (!view_bytes(env, argv[2], &dst, &len)) {
    napi_throw_type_error(env, NULL, "sfw_aes: destination must be a TypedArray or DataView");
    return NULL;
  }
  if (len == 0) return NULL;
  uint64_t off = (uint64_t)offd;
  uint64_t blk = off / 16;
  unsigned char iv[16] = {0};
  for (int i = 15; i >= 8; i--) {
    iv[i] = (unsigned char)(blk & 0xff);
    blk >>= 8;
  }
  /* Same key, new IV: the key schedule stays; OpenSSL's CTR restarts at this counter. */
  if (EVP_EncryptInit_ex(h->ctx, NULL, NULL, NULL, iv) != 1) goto fail;
  unsigned char tmp[16];
  size_t pos = 0;
  size_t skip = (size_t)(off % 16);
  if (skip != 0) {
    /* A mid-block start: the block's leading bytes are discarded. */
    if (!block(h->ctx, tmp)) goto fail;
    size_t n = 16 - skip < len ? 16 - skip : len;
    memcpy(dst, tmp + skip, n);
    pos = n;
  }
  /* Whole blocks only, so the context never holds a partial block between calls. */
  size_t whole = (len - pos) / 16 * 16;
  while (whole > 0) {
    int n = (int)(whole < ZCHUNK ? whole : ZCHUNK);
    int outl;
    if (EVP_EncryptUpdate(h->ctx, dst + pos, &outl, zeros, n) != 1 || outl != n) goto fail;
    pos += (size_t)n;
    whole -= (size_t)n;
  }
  if (pos < len) {
    if (!block(h->ctx, tmp)) goto fail;
    memcpy(dst + pos, tmp, len - pos);
  }
  OPENSSL_cleanse(tmp, sizeof tmp);
  return NULL;
fail:
  OPENSSL_cleanse(tmp, sizeof tmp);
  napi_throw_error(env, NULL, "sfw_aes: encryption failed");
  return NULL;
}

static napi_value js_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  aes_handle *h = argc >= 1 ? handle_of(env, argv[0]) : NULL;
  if (h != NULL) handle_release(h);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"ctx", NULL, js_ctx, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fill", NULL, js_fill, NULL, NULL, NULL, napi_enumerable, NULL},
    {"free", NULL, js_free, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
