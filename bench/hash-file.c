// SPDX-License-Identifier: GPL-3.0-or-later
//
// Prints the hash of each file or folder named, like `xxhsum -H2` does, for
// bench/hash.sh. No stat cache: the point is to time the hashing itself.

#include "config.h"

#include <stdlib.h>

#include "sluice-hash.h"

int
main (int    argc,
      char **argv)
{
  int status = EXIT_SUCCESS;

  if (argc < 2)
    {
      g_printerr ("Usage: %s FILE…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *hash = sluice_hash_path (argv[i], NULL, &error);

      if (hash == NULL)
        {
          g_printerr ("%s\n", error->message);
          status = EXIT_FAILURE;
          continue;
        }
      g_print ("%s  %s\n", hash, argv[i]);
    }

  return status;
}
