# Varnish in front of an avatars node, purged by surrogate key (Debian: varnish,
# varnish-modules). The node tags every image answer with `xkey: <hash>` and, after each
# change, sends `PURGE /` with `xkey-purge: <hash> ...` to every `purge.varnish` URL.
vcl 4.1;

import xkey;

backend origin {
    .host = "127.0.0.1";
    .port = "8080";
}

# Who may purge: the nodes. Anyone else gets 403.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge is missing"));
        }
        # A hard purge: objects go at once, with no grace left to serve them stale.
        set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.x-purged));
    }
}
