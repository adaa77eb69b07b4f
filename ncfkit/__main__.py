from ncfkit.cli import main

main()
