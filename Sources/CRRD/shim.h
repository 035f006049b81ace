// librrd 1.7.2 (Debian `librrd-dev`). rrd.h must come before rrd_client.h,
// which uses its types. Do not call rrdc_flushall, rrdc_ping, the
// rrd_client_* API or rrd_updatex_v_r: they are declared but missing from
// Debian's librrd.so.8 (the RRD module speaks rrdcached's protocol itself).
#ifndef VIGIL_CRRD_SHIM_H
#define VIGIL_CRRD_SHIM_H
#include <time.h>
#include <rrd.h>
#include <rrd_client.h>

// The on-disk header structs (stat_head_t, ds_def_t) for
// RRDFile.dataSources, which reads a file's data-source limits with one
// pread instead of rrd_info_r. rrd_format.h refuses to be included
// without this macro; defined after rrd.h, it declares nothing else.
#define RRD_EXPORT_DEPRECATED
#include <rrd_format.h>

// syncfs(2): glibc declares it only under _GNU_SOURCE. Used to make RRD
// writes durable (one call per spool file instead of an fsync per RRD).
extern int syncfs(int fd);

// mallopt(3), for RRDFile.keepLargeBuffersInHeap.
#include <malloc.h>
#endif
