from ttminis_cli.cli import main

raise SystemExit(main())
