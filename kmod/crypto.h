/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto layer (crypto/), whole, for the command code that reaches
 * into most of it; a file that uses one part includes that part's header.
 */
#ifndef HSM_CRYPTO_H
#define HSM_CRYPTO_H

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/kpp.h"
#include "crypto/kw.h"
#include "crypto/rng.h"
#include "crypto/rsa.h"

#endif /* HSM_CRYPTO_H */
