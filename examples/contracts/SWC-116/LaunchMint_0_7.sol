// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.7.0;

/// @title LaunchMint
/// @notice One mint per address, half price during the first minute after launch.
///         The discount window is so short that the block producer's freedom in
///         choosing `block.timestamp` decides who still gets the early price.
contract LaunchMint {
    uint256 public constant EARLY_PRICE = 0.05 ether;
    uint256 public constant PRICE = 0.1 ether;
    uint256 public immutable earlyUntil;
    address payable public immutable treasury;
    mapping(address => bool) public minted;

    event Minted(address indexed account, uint256 paid);

    constructor(address payable _treasury) {
        require(_treasury != address(0), "zero treasury");
        treasury = _treasury;
        earlyUntil = block.timestamp + 1 minutes;
    }

    function mint() external payable {
        require(!minted[msg.sender], "already minted");
        uint256 price = PRICE;
        if (block.timestamp <= earlyUntil) { // SWC-116
            price = EARLY_PRICE;
        }
        require(msg.value == price, "wrong payment");
        minted[msg.sender] = true;
        emit Minted(msg.sender, msg.value);
    }

    function withdraw() external {
        require(msg.sender == treasury, "not treasury");
        treasury.transfer(address(this).balance);
    }
}
