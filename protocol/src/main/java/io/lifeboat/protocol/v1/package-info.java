/** Java classes generated at build time from the lifeboat.v1 protobuf schema in src/main/proto. */
package io.lifeboat.protocol.v1;
