/** Raw disk images: reading sparse files whose holes SEEK_DATA/SEEK_HOLE finds, and writing them sparse. */
package io.lifeboat.storage.raw;
