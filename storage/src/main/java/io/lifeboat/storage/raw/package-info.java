/** Raw disk images: sparse files whose holes are found with SEEK_DATA/SEEK_HOLE and never read. */
package io.lifeboat.storage.raw;
