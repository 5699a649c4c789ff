/** VMDK images: descriptors, hosted sparse, flat and streamOptimized extents, and the monolithicSparse writer. */
package io.lifeboat.storage.vmdk;
