/** Lab internals: the host image recipe runner, labels, key material and process helpers. */
package io.lifeboat.lab.internal;
