from genk3600.cli import main

raise SystemExit(main())
