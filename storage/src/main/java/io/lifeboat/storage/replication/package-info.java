/** The replication wire protocol: an authenticated Vert.x TCP link that ships a restore point's missing chunks. */
package io.lifeboat.storage.replication;
