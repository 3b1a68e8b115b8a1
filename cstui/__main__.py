from cstui.cli import main

main()
