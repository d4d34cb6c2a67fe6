from upgraph.cli import main

main()
