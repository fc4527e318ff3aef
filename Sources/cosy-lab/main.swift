import CosyLab
import Foundation

// The CLI is a thin shell over CosyLab: parse, dispatch, exit.
exit(CommandLineTool.main(arguments: Array(CommandLine.arguments.dropFirst())))
