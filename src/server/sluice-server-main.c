// SPDX-License-Identifier: GPL-3.0-or-later
//
// sluice-server [--listen ADDR] [--data DIR] …   serve the API
// sluice-server token create|list|revoke …     manage access tokens

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "sluice-server-auth.h"
#include "sluice-server.h"

static char *opt_data;
static char *opt_listen;
static char *opt_tls_cert;
static char *opt_tls_key;
static gboolean opt_insecure;
static double opt_rate_limit = 50;
static double opt_rate_burst = 0;
static int opt_poll_ms = 20;
static int opt_keepalive = 15;
static char *opt_name;
static char *opt_role;

static const GOptionEntry data_entries[] = {
  { "data", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data,
    N_("Folder of the server's database, pipelines and store (default: ~/.local/share/sluice-server)"), N_("DIR") },
  { NULL }
};

static char *
data_dir (void)
{
  return opt_data ? g_strdup (opt_data) : g_build_filename (g_get_user_data_dir (), "sluice-server", NULL);
}

static SluiceServerDb *
open_db (void)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(GError) error = NULL;
  SluiceServerDb *db;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_printerr ("sluice-server: cannot make %s\n", dir);
      return NULL;
    }
  if (!(db = sluice_server_db_open (path, &error)))
    g_printerr ("sluice-server: %s\n", error->message);
  return db;
}

static gboolean
parse (GOptionContext  *context,
       int             *argc,
       char          ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, data_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("sluice-server: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

/* tokens ---------------------------------------------------------------------- */

static int
token_create (void)
{
  g_autoptr(SluiceServerDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  SluiceRole role;

  if (opt_name == NULL || *opt_name == '\0' || !sluice_role_from_string (opt_role, &role))
    {
      g_printerr ("sluice-server token create: give --name NAME and --role viewer|runner|admin\n");
      return 2;
    }
  if (!(db = open_db ()))
    return 2;
  if (!(secret = sluice_server_auth_create_token (db, opt_name, role, &error)))
    {
      g_printerr ("sluice-server token create: %s\n", error->message);
      return 1;
    }
  // The only time the secret is shown: only its hash is stored.
  printf ("%s\n", secret);
  return 0;
}

static int
token_list (void)
{
  g_autoptr(SluiceServerDb) db = open_db ();
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;

  if (db == NULL)
    return 2;
  if (!(tokens = sluice_server_db_list_tokens (db, TRUE, &error)))
    {
      g_printerr ("sluice-server token list: %s\n", error->message);
      return 2;
    }
  printf ("%-24s %-8s %-20s %s\n", "NAME", "ROLE", "CREATED", "STATE");
  for (guint i = 0; i < tokens->len; i++)
    {
      SluiceToken *t = g_ptr_array_index (tokens, i);
      g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (t->created_at / G_USEC_PER_SEC);
      g_autofree char *when = g_date_time_format (created, "%Y-%m-%d %H:%M:%S");

      printf ("%-24s %-8s %-20s %s\n", t->name, sluice_role_to_string (t->role), when,
              t->revoked_at ? "revoked" : "valid");
    }
  return 0;
}

static int
token_revoke (const char *name)
{
  g_autoptr(SluiceServerDb) db = open_db ();
  g_autoptr(GError) error = NULL;

  if (db == NULL)
    return 2;
  if (!sluice_server_db_revoke_token (db, name, &error))
    {
      g_printerr ("sluice-server token revoke: %s\n", error->message);
      return 1;
    }
  printf ("revoked %s\n", name);
  return 0;
}

static int
token_command (int    argc,
               char **argv)
{
  static const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, N_("Name of the new token (shown in the audit log)"), N_("NAME") },
    { "role", 'r', 0, G_OPTION_ARG_STRING, &opt_role, N_("What it may do: viewer, runner or admin"), N_("ROLE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("create --name N --role R | list | revoke NAME");

  g_option_context_set_summary (context, "Manage the server's access tokens. `create` prints the new secret once.");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse (context, &argc, &argv))
    return 2;
  if (argc == 3 && g_str_equal (argv[2], "create"))
    return token_create ();
  if (argc == 3 && g_str_equal (argv[2], "list"))
    return token_list ();
  if (argc == 4 && g_str_equal (argv[2], "revoke"))
    return token_revoke (argv[3]);
  g_printerr ("sluice-server token: use create --name N --role R, list, or revoke NAME\n");
  return 2;
}

/* serving ------------------------------------------------------------------------ */

static gboolean
on_stop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

// A bearer token over plain HTTP on a network can be read by anyone on the
// way; only loopback is safe without TLS.
static gboolean
check_transport (const char *address,
                 gboolean    tls)
{
  g_autoptr(GSocketConnectable) parsed = g_network_address_parse (address, 8470, NULL);
  g_autoptr(GInetAddress) inet = NULL;

  if (parsed != NULL)
    inet = g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  if (tls || (inet != NULL && g_inet_address_get_is_loopback (inet)))
    return TRUE;
  if (!opt_insecure)
    {
      g_printerr ("sluice-server: %s is not a loopback address: give --tls-cert and --tls-key, "
                  "or --insecure to send tokens in the clear\n", address);
      return FALSE;
    }
  g_printerr ("sluice-server: WARNING: serving plain HTTP on %s: tokens and data cross the network unencrypted\n", address);
  return TRUE;
}

static int
serve (int    argc,
       char **argv)
{
  static const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen, N_("Address and port (default 127.0.0.1:8470; port 0 picks a free one)"), N_("ADDR:PORT") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert, N_("PEM certificate: serve HTTPS"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, N_("PEM private key of the certificate"), N_("FILE") },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &opt_insecure, N_("Allow plain HTTP on a non-loopback address"), NULL },
    { "rate-limit", 0, 0, G_OPTION_ARG_DOUBLE, &opt_rate_limit, N_("Requests per second per token (default 50; 0 = no limit)"), N_("N") },
    { "rate-burst", 0, 0, G_OPTION_ARG_DOUBLE, &opt_rate_burst, N_("Requests a token may make at once (default 4 × the rate)"), N_("N") },
    { "poll-ms", 0, 0, G_OPTION_ARG_INT, &opt_poll_ms, N_("How often running runs are read for new events (default 20)"), N_("MS") },
    { "keepalive", 0, 0, G_OPTION_ARG_INT, &opt_keepalive, N_("Seconds between keepalive comments on event streams (default 15)"), N_("S") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SluiceServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *url = NULL;
  SluiceServerOptions options = { 0 };
  const char *address;

  g_option_context_set_summary (context, "Run Sluice pipelines for remote clients (see docs/api.md).\n"
                                         "Also: sluice-server token create|list|revoke (see token --help).");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse (context, &argc, &argv))
    return 2;
  if (argc > 1)
    {
      g_printerr ("sluice-server: unexpected '%s' (see --help)\n", argv[1]);
      return 2;
    }
  address = opt_listen ? opt_listen : "127.0.0.1:8470";
  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    {
      g_printerr ("sluice-server: --tls-cert and --tls-key go together\n");
      return 2;
    }
  if (opt_tls_cert != NULL && !(certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &error)))
    {
      g_printerr ("sluice-server: %s\n", error->message);
      return 2;
    }
  if (!check_transport (address, certificate != NULL))
    return 2;

  dir = data_dir ();
  options.data_dir = dir;
  options.poll_milliseconds = (guint) CLAMP (opt_poll_ms, 1, 10000);
  options.keepalive_seconds = (guint) CLAMP (opt_keepalive, 1, 3600);
  options.rate_limit = opt_rate_limit;
  options.rate_burst = opt_rate_burst > 0 ? opt_rate_burst : MAX (1, opt_rate_limit * 4);
  if (!(server = sluice_server_new (&options, &error)) || !(url = sluice_server_listen (server, address, certificate, &error)))
    {
      g_printerr ("sluice-server: %s\n", error->message);
      return 1;
    }

  // Tests and scripts read the bound port from this first line.
  printf ("listening on %s\n", url);
  fflush (stdout);

  g_unix_signal_add (SIGINT, on_stop, loop);
  g_unix_signal_add (SIGTERM, on_stop, loop);
  g_main_loop_run (loop);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  // A client that goes away mid-response must not kill the server.
  signal (SIGPIPE, SIG_IGN);

  if (argc > 1 && g_str_equal (argv[1], "token"))
    return token_command (argc, argv);
  if (argc > 1 && g_str_equal (argv[1], "serve"))
    {
      argv[1] = argv[0];
      return serve (argc - 1, argv + 1);
    }
  return serve (argc, argv);
}
